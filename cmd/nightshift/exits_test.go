package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagErrorsExitTwoNamingTheFlag: every problem with a flag — a
// duration that is zero, negative or not a duration, a model kind, a
// model parameter, a holdout fraction, a time column the table lacks —
// exits 2 with a message naming the flag (and, for durations, the forms
// accepted).
func TestFlagErrorsExitTwoNamingTheFlag(t *testing.T) {
	data := shipped + "criteo_200.csv"
	db := filepath.Join(t.TempDir(), "j.db")
	forms := "90s, 10m, 1h30m, 8h"
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--budget", "0s"}, []string{`invalid value "0s" for flag -budget: 0s is zero: want a duration above zero`, forms}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--budget", "-5m"}, []string{`flag -budget: -5m is negative`, forms}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--budget", "8"}, []string{`flag -budget: "8" is not a duration`, forms}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--trial-timeout", "0"}, []string{`flag -trial-timeout: 0 is zero`, forms}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--grace", "soon"}, []string{`flag -grace: "soon" is not a duration`, forms}},
		{[]string{"resume", "--study", "s", "--db", db, "--budget", "0s"}, []string{`flag -budget: 0s is zero`, forms}},
		{[]string{"holdout", "--study", "s", "--db", db, "--top", "-1"}, []string{`--top -1: want the number of best trials to score, at least 1`}},
		{[]string{"holdout", "--study", "s", "--db", db, "--top", "0", "--final", "bag"}, []string{`--top 0: `, `0 only with --final ensemble`}},
		{[]string{"trials", "--study", "s", "--db", db, "--top", "-2"}, []string{`--top -2: want the number of best trials to show, or 0 for all`}},
		{[]string{"fit", "--data", data, "--target", "label", "--model", "xgb"}, []string{`--model "xgb": want gbdt or logreg`}},
		{[]string{"fit", "--data", data, "--target", "label", "--model", "logreg", "--param", "bogus=3"}, []string{`--param: `, `"bogus"`}},
		{[]string{"fit", "--data", data, "--target", "label", "--holdout", "1.5"}, []string{`--holdout 1.5: want a fraction between 0 and 1`}},
		{[]string{"fit", "--data", data, "--target", "label", "--split", "odd"}, []string{`--split "odd": want stratified or modulo`}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--max-trials", "1", "--time-col", "nope"}, []string{`--time-col "nope" is not a column of `, "criteo_200.csv"}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--max-trials", "1", "--time-col", "C1"}, []string{`--time-col "C1" is categorical in `, "want a numeric or datetime column"}},
		// These exited 1 (the name) and 0 (a negative count was taken).
		{[]string{"promote", "--study", "s", "--db", db, "--name", "../evil"}, []string{`--name "../evil": not a valid name`}},
		{[]string{"check", "--model", "m", "--data", data, "--examples", "-1"}, []string{`--examples -1: want the number of example values`}},
		// Negative counts were taken (--threads -2 trained on every core,
		// promote --ensemble -1 went on to the gate) and zero LLM counts
		// became the defaults.
		{[]string{"fit", "--data", data, "--target", "label", "--threads", "-2"}, []string{`--threads -2: want 0 (all cores) or a number of threads`}},
		{[]string{"holdout", "--study", "s", "--db", db, "--threads", "-3"}, []string{`--threads -3: want 0 (all cores)`}},
		{[]string{"promote", "--study", "s", "--db", db, "--threads", "-1"}, []string{`--threads -1: want 0 (all cores)`}},
		{[]string{"promote", "--study", "s", "--db", db, "--ensemble", "-1"}, []string{`--ensemble -1: want at least 1 candidate`}},
		{[]string{"promote", "--study", "s", "--db", db, "--ensemble-cost", "-0.5"}, []string{`--ensemble-cost -0.5: want a share above 0`}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--max-trials", "-1"}, []string{`--max-trials -1: want a number of trials (0 = no limit)`}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--max-trials", "1", "--memory-mb", "-5"}, []string{`--memory-mb -5: want 0 (half of the machine's memory) or a number of MiB`}},
		{[]string{"resume", "--study", "s", "--db", db, "--max-trials", "-1"}, []string{`--max-trials -1: want a number of trials (0 = what is left)`}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--planner", "llm", "--llm-model", "m", "--dry-run", "--llm-max-tokens", "0"}, []string{`--llm-max-tokens 0: want 1..200000`}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--planner", "llm", "--llm-model", "m", "--dry-run", "--llm-proposals", "0"}, []string{`--llm-proposals 0: want 1..20`}},
		{[]string{"run", "--data", data, "--target", "label", "--db", db, "--planner", "llm", "--llm-model", "m", "--dry-run", "--llm-tune-trials", "0"}, []string{`--llm-tune-trials 0: want 1..200`}},
	}
	for _, c := range cases {
		code, _, errs := runCmd(t, c.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", c.args, code, exitUsage, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr does not say %q:\n%s", c.args, w, errs)
			}
		}
	}
}

// TestANightThatProducedNothingFails: a run whose every trial failed exits
// 1 counting the errors; holdout on that study exits 1 saying there is no
// finished trial (--json: an object with the reason, not null); the
// failed trials' scores are null in trials --json, not 0. The timeout is
// 1ns, which no trial can beat (a 1ms one was beaten on 200 rows: a one-tree
// GBDT trial takes 0.5ms), and the scheduler fails a trial that ran past its
// timeout even when the timer behind its context fired late, so every trial
// fails on any machine, however loaded.
func TestANightThatProducedNothingFails(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "f", "--db", db, "--max-trials", "3", "--folds", "3", "--trial-timeout", "1ns")
	for _, want := range []string{"nightshift run: every trial failed: study \"f\": all 3 trials this session ran failed; the most common errors:", "3 × timed out after 1ns (--trial-timeout)", "nightshift trials --study f",
		// Only --max-trials bounds this session: it said "budget 0s".
		" threads, no time limit, at most 3 trials"} {
		if code != exitFailure || !strings.Contains(errs, want) {
			t.Errorf("run: exit %d, stderr %q; want exit 1 saying %q", code, errs, want)
		}
	}
	// The study ended failed, not interrupted, and says why (it read
	// "interrupted", as if a crash had cut it short).
	reason := "every trial failed: 3 × timed out after 1ns (--trial-timeout)"
	code, out, _ := runCmd(t, "status", "--study", "f", "--db", db, "--json")
	var st struct{ State, Reason string }
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.State != "failed" || st.Reason != reason {
		t.Errorf("status --json: exit %d, %s; want state failed, reason %q", code, out, reason)
	}
	if code, out, _ := runCmd(t, "status", "--study", "f", "--db", db); code != 0 || !strings.Contains(out, "f      failed") || !strings.Contains(out, "f: "+reason) {
		t.Errorf("status: exit %d, %s; want state failed and %q", code, out, reason)
	}
	cases := []struct {
		args []string
		out  string
	}{
		{[]string{"holdout", "--study", "f", "--db", db}, ""},
		{[]string{"holdout", "--study", "f", "--db", db, "--json"}, `"reason": "no_finished_trial"`},
	}
	for _, c := range cases {
		code, out, errs := runCmd(t, c.args...)
		if code != exitFailure || !strings.Contains(errs, `study "f" has no finished trial to score (3 trials: 3 failed, 0 pruned, 0 running, 0 interrupted`) {
			t.Errorf("%v: exit %d, %q", c.args, code, errs)
		}
		var obj map[string]any
		if c.out != "" && (json.Unmarshal([]byte(out), &obj) != nil || !strings.Contains(out, c.out) || obj["error"] == nil) {
			t.Errorf("%v: stdout %q, want a JSON object with the reason", c.args, out)
		}
	}
	code, out, _ = runCmd(t, "trials", "--study", "f", "--db", db, "--json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 3 {
		t.Fatalf("trials --json: exit %d, %s", code, out)
	}
	for _, r := range rows {
		if r["state"] != "failed" || r["score"] != nil || r["std"] != nil || r["score_folds"] != 0.0 {
			t.Errorf("failed trial row %v: want score and std null, score_folds 0", r)
		}
	}
}
