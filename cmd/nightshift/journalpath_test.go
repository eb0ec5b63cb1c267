package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAMistypedJournalIsNotCreated: the commands that work on an existing
// study refuse a --db that names no file, saying so, and leave no journal
// or lock behind (they created an empty journal and then called the study
// unknown).
func TestAMistypedJournalIsNotCreated(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"holdout", "--study", "s", "--db", db},
		{"promote", "--study", "s", "--db", db, "--registry", filepath.Join(dir, "models")},
		{"resume", "--study", "s", "--db", db},
		{"compact", "--db", db},
		{"report", "--study", "s", "--db", db, "--holdout", "--out", filepath.Join(dir, "r")},
	} {
		code, _, errs := runCmd(t, args...)
		if code != exitFailure || !strings.Contains(errs, "journal "+db+" does not exist") {
			t.Errorf("%v: exit %d, want %d saying the journal does not exist:\n%s", args, code, exitFailure, errs)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			t.Errorf("%v left %s behind", args, e.Name())
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
