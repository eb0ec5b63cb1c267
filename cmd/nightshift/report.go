package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/report"
)

// runReport writes DIR/report.ipynb and DIR/report.html from one snapshot
// of the journal and prints their paths. With --holdout it first runs the
// holdout step (which trains and needs the journal's lock).
func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report", e.stderr)
	db := dbFlag(fs)
	study := fs.String("study", "", "study (required)")
	out := fs.String("out", "", "directory for report.ipynb and report.html (default reports/STUDY)")
	holdout := fs.Bool("holdout", false, "first score the final model and the best trials on the holdout (nightshift holdout's defaults; trains, so not while the study runs)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *study == "" {
		return usagef("--study NAME is required")
	}
	if err := journal.ValidateStudyName(*study); err != nil {
		return usageError{err.Error()}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("reports", *study)
	}
	if *holdout {
		if err := mustExistJournal(*db); err != nil {
			return err
		}
		j, err := journal.Open(*db, journal.Options{Timeout: 2 * time.Second})
		if err != nil {
			return fmt.Errorf("report --holdout needs the journal to itself (is the study still running?): %w", err)
		}
		_, err = experiment.ScoreHoldout(ctx, j, *study, experiment.HoldoutOptions{Top: 5, Threads: runtime.GOMAXPROCS(0), Final: experiment.FinalEnsemble,
			Ensemble: experiment.EnsembleOptions{Candidates: 8, CostShare: 0.25}, Command: commandLine("report", args)})
		j.Close()
		if err != nil {
			return err
		}
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
	paths, err := report.Write(s, dir, report.Options{DB: notebookDB(*db, dir), CommandDB: *db, Generated: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, paths.Notebook)
	fmt.Fprintln(e.stdout, paths.HTML)
	return nil
}

// notebookDB is the journal's path as seen from the report's directory,
// where the notebook's cells run.
func notebookDB(db, dir string) string {
	absDB, err1 := filepath.Abs(db)
	absDir, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return db
	}
	if rel, err := filepath.Rel(absDir, absDB); err == nil {
		return rel
	}
	return absDB
}
