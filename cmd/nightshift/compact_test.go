package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/journal"
)

func TestCompactShrinksTheJournalAndRefusesDuringARun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "night.db")
	if err := syntheticNight(path, 200, 3, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	code, out, errs := runCmd(t, "status", "--db", path)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errs)
	}
	code, msg, errs := runCmd(t, "compact", "--db", path)
	after, _ := os.Stat(path)
	if code != 0 || after.Size() >= before.Size() || !strings.Contains(msg, path+": ") {
		t.Fatalf("compact: exit %d, %q %s; file %d → %d bytes", code, msg, errs, before.Size(), after.Size())
	}
	if code, again, _ := runCmd(t, "status", "--db", path); code != 0 || again != out {
		t.Fatalf("status after compaction differs:\n%s\nwas\n%s", again, out)
	}
	// A run holds the journal: compact says who, and leaves it alone.
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	code, _, errs = runCmd(t, "compact", "--db", path)
	if code == 0 || !strings.Contains(errs, "is held by process") {
		t.Fatalf("compact during a run: exit %d, %s", code, errs)
	}
}
