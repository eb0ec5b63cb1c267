package main

import (
	"context"
	"encoding/json"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
)

// runExport prints the whole study as one JSON document (studyview.Export):
// config, profile, trials with their times, rounds, events and holdout
// reads. It reads one snapshot and never waits for a running study.
func runExport(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("export", e.stderr)
	db := dbFlag(fs)
	study := fs.String("study", "", "study (required)")
	asJSON := fs.Bool("json", false, "print JSON (the only format; required so that scripts say what they read)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *study == "" {
		return usagef("--study NAME is required")
	}
	if !*asJSON {
		return usagef("--json is required: export prints the study as one JSON document")
	}
	j, err := studyview.OpenReadOnly(*db)
	if err != nil {
		return err
	}
	defer j.Close()
	s, err := studyview.Read(j, *study)
	if err != nil {
		return err
	}
	// Compact: a large study's export holds thousands of trials and the
	// holdout's row ids; pipe it through jq to read it.
	return json.NewEncoder(e.stdout).Encode(s.Export())
}
