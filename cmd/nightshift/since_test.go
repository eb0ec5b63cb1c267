package main

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestStatusSaysSinceWhenTheIncumbentLastChanged: status ends a study's
// lines with "no significant improvement since HH:MM" (#20), and the time
// carries its date when it was not today, so a study resumed over several
// nights does not name yesterday's 18:16 as if it were today's.
func TestStatusSaysSinceWhenTheIncumbentLastChanged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	if code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s", "--db", db,
		"--max-trials", "4", "--folds", "3", "--workers", "1"); code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	_, out, _ := runCmd(t, "status", "--db", db)
	if !regexp.MustCompile(`(?m)^s: no significant improvement since \d\d:\d\d$`).MatchString(out) {
		t.Errorf("status of a study run just now has no \"since HH:MM\" line:\n%s", out)
	}
	now := time.Date(2026, 12, 7, 1, 30, 0, 0, time.Local)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 7, 0, 5, 0, 0, time.Local), "00:05"},
		{time.Date(2026, 12, 6, 23, 55, 0, 0, time.Local), "Dec 6 23:55"},
		{time.Date(2025, 12, 7, 1, 0, 0, 0, time.Local), "2025-12-07 01:00"},
	} {
		if got := clockSince(c.at, now); got != c.want {
			t.Errorf("clockSince(%v, %v) = %q, want %q", c.at, now, got, c.want)
		}
	}
}
