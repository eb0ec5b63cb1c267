package main

import (
	"context"
	"fmt"

	"github.com/nightshift-ml/nightshift/journal"
)

// runCompact rewrites the journal without its free pages (journal.Compact).
// It takes the run lock, so it refuses while a study is running; a study
// also compacts its journal when a session ends.
func runCompact(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("compact", e.stderr)
	db := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := mustExistJournal(*db); err != nil {
		return err
	}
	j, err := journal.Open(*db, journal.Options{})
	if err != nil {
		return err
	}
	defer j.Close()
	res, err := j.Compact()
	if err != nil {
		return err
	}
	if res.Kept {
		fmt.Fprintf(e.stdout, "%s: %d bytes (%.1f MiB), left as it was: compacted it would not be smaller\n", *db, res.Before, float64(res.Before)/(1<<20))
		return j.Close()
	}
	fmt.Fprintf(e.stdout, "%s: %d → %d bytes (%.1f → %.1f MiB)\n", *db, res.Before, res.After, float64(res.Before)/(1<<20), float64(res.After)/(1<<20))
	return j.Close()
}
