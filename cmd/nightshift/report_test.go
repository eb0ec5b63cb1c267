package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// export prints the study as one JSON document; report writes the two
// files and prints their paths; report --holdout journals a holdout read
// first, whose curves and importance the report then draws.
func TestExportAndReportOnAStudy(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	if code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s", "--db", db, "--max-trials", "4", "--folds", "3"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	if code, _, errs := runCmd(t, "export", "--study", "s", "--db", db); code != exitUsage || !strings.Contains(errs, "--json is required") {
		t.Errorf("export without --json: exit %d, %q", code, errs)
	}
	code, out, errs := runCmd(t, "export", "--study", "s", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	var ex struct {
		Study  string `json:"study"`
		Trials []struct {
			Started  *string `json:"started"`
			Finished *string `json:"finished"`
		} `json:"trials"`
		Rounds       []any `json:"rounds"`
		HoldoutReads []any `json:"holdout_reads"`
	}
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if ex.Study != "s" || len(ex.Trials) != 4 || ex.Trials[0].Started == nil || ex.Trials[0].Finished == nil || len(ex.Rounds) == 0 || len(ex.HoldoutReads) != 0 {
		t.Errorf("export: study %q, %d trials (first %+v), %d rounds, %d holdout reads", ex.Study, len(ex.Trials), ex.Trials[0], len(ex.Rounds), len(ex.HoldoutReads))
	}
	dir := filepath.Join(t.TempDir(), "rep")
	code, out, errs = runCmd(t, "report", "--study", "s", "--db", db, "--out", dir, "--holdout")
	if code != 0 {
		t.Fatalf("report --holdout: exit %d: %s", code, errs)
	}
	want := filepath.Join(dir, "report.ipynb") + "\n" + filepath.Join(dir, "report.html") + "\n"
	if out != want {
		t.Errorf("report printed %q, want %q", out, want)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Read 1, the verdict", "alt=\"The final model on the holdout: ROC curve", "alt=\"The final model&#39;s gain importance"} {
		if !strings.Contains(string(page), s) {
			t.Errorf("the report after --holdout lacks %q", s)
		}
	}
	if code, _, errs := runCmd(t, "report", "--db", db); code != exitUsage {
		t.Errorf("report without --study: exit %d (%s), want %d", code, errs, exitUsage)
	}
}
