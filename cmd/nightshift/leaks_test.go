package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withLeak writes criteo_200.csv with one more column, "chargeback", that
// spells out the label: the profile flags it (single-column AUC 1).
func withLeak(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(shipped + "criteo_200.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i, l := range lines {
		switch {
		case i == 0:
			lines[i] = l + ",chargeback"
		case strings.HasPrefix(l, "1,"):
			lines[i] = l + ",yes"
		default:
			lines[i] = l + ",no"
		}
	}
	path := filepath.Join(t.TempDir(), "leaky.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFitAndRunSayTheSameAboutALeak: fit and run both leave a flagged leak
// column out and say so in the same words, and --allow-leak keeps it in
// both, saying that instead.
func TestFitAndRunSayTheSameAboutALeak(t *testing.T) {
	data := withLeak(t)
	dropped := `warning: column "chargeback" alone separates the label (single-column AUC 1.0000 ≥ 0.99) and may leak it: left out of the features (--allow-leak chargeback keeps it)`
	kept := `warning: column "chargeback" alone separates the label (single-column AUC 1.0000 ≥ 0.99) and may leak it: kept as a feature, as --allow-leak chargeback asks`
	db := filepath.Join(t.TempDir(), "j.db")
	cases := []struct {
		name string
		args []string
		want string
		kept bool
	}{
		{"fit leaves it out", []string{"fit", "--data", data, "--target", "label", "--model", "logreg", "--json"}, dropped, false},
		{"fit keeps it when asked", []string{"fit", "--data", data, "--target", "label", "--model", "logreg", "--json", "--allow-leak", "chargeback"}, kept, true},
		{"run leaves it out", []string{"run", "--data", data, "--target", "label", "--study", "out", "--db", db, "--max-trials", "1", "--folds", "3", "--json"}, dropped, false},
		{"run keeps it when asked", []string{"run", "--data", data, "--target", "label", "--study", "kept", "--db", db, "--max-trials", "1", "--folds", "3", "--json", "--allow-leak", "chargeback"}, kept, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCmd(t, c.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if !strings.Contains(errs, c.want+"\n") {
				t.Errorf("stderr does not say what was done with the leak:\n%s\nwant %s", errs, c.want)
			}
			var res struct {
				Leaks []struct {
					Column string
					AUC    float64
					Kept   bool
				}
				Metrics struct{ AUC float64 }
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Leaks) != 1 || res.Leaks[0].Column != "chargeback" || res.Leaks[0].Kept != c.kept {
				t.Errorf("--json leaks: %+v (%v)", res.Leaks, err)
			}
			if c.args[0] == "fit" && (res.Metrics.AUC > 0.99) != c.kept {
				t.Errorf("validation AUC %.4f: the leak was %s", res.Metrics.AUC, map[bool]string{true: "not used", false: "used"}[c.kept])
			}
		})
	}
	for _, args := range [][]string{
		{"fit", "--data", data, "--target", "label", "--allow-leak", "chargebak"},
		{"run", "--data", data, "--target", "label", "--db", db, "--max-trials", "1", "--allow-leak", "chargebak"},
	} {
		if code, _, errs := runCmd(t, args...); code != exitUsage || !strings.Contains(errs, `--allow-leak: "chargebak" is not a column of `) {
			t.Errorf("%s --allow-leak chargebak: exit %d, %s", args[0], code, errs)
		}
	}
}
