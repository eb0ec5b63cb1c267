package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCostAwareIsStoredWithTheStudyAndUsed: `run --cost-aware` makes the
// builtin planner's TPE propose by EI per second once enough trials ran
// every fold (their hypotheses say so); without it, none does.
func TestCostAwareIsStoredWithTheStudyAndUsed(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  bool
	}{{nil, false}, {[]string{"--cost-aware"}, true}} {
		db := filepath.Join(t.TempDir(), "j.db")
		args := append([]string{"run", "--data", shipped + "criteo_200.csv", "--target", "label", "--study", "c", "--db", db,
			"--max-trials", "30", "--folds", "3", "--workers", "1"}, c.flags...)
		if code, _, errs := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
		_, out, _ := runCmd(t, "trials", "--study", "c", "--db", db, "--json")
		var trials []struct{ Hypothesis string }
		if err := json.Unmarshal([]byte(out), &trials); err != nil {
			t.Fatalf("trials --json: %v %s", err, out)
		}
		n := 0
		for _, tr := range trials {
			if strings.Contains(tr.Hypothesis, "expected improvement per predicted second") {
				n++
			}
		}
		if (n > 0) != c.want {
			t.Errorf("run %v: %d of %d trials proposed by EI per second; want some: %v", c.flags, n, len(trials), c.want)
		}
	}
}
