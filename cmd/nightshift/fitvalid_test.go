package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFitScoresTheValidFile: with --valid, every table row trains and the
// valid file's rows are scored; a valid file missing a training column is
// refused naming the file and the column (read with the training file's
// kinds, so the forced kind names it).
func TestFitScoresTheValidFile(t *testing.T) {
	src, err := os.ReadFile(shipped + "criteo_200.csv")
	if err != nil {
		t.Fatal(err)
	}
	// The valid file: the first 51 lines (50 rows), and a copy without I1.
	lines := strings.SplitAfter(string(src), "\n")
	dir := t.TempDir()
	head := filepath.Join(dir, "head.csv")
	if err := os.WriteFile(head, []byte(strings.Join(lines[:51], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	var cut strings.Builder
	for _, l := range lines[:51] {
		f := strings.Split(l, ",")
		cut.WriteString(strings.Join(append(f[:1:1], f[2:]...), ","))
	}
	noI1 := filepath.Join(dir, "no_i1.csv")
	if err := os.WriteFile(noI1, []byte(cut.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCmd(t, "fit", "--data", shipped+"criteo_200.csv", "--target", "label", "--model", "logreg", "--valid", head, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Rows      int `json:"rows"`
		TrainRows int `json:"train_rows"`
		ValidRows int `json:"valid_rows"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Rows != 200 || res.TrainRows != 200 || res.ValidRows != 50 {
		t.Errorf("rows %d, train %d, valid %d; want 200, 200, 50", res.Rows, res.TrainRows, res.ValidRows)
	}

	code, _, errs = runCmd(t, "fit", "--data", shipped+"criteo_200.csv", "--target", "label", "--model", "logreg", "--valid", noI1)
	if want := noI1 + `: --numeric names column "I1", which is not in the header`; code != 1 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errs, want)
	}
}
