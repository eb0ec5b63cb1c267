package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errb, stop: make(chan struct{})}, args)
	return code, out.String(), errb.String()
}

const shipped = "../../testdata/data/"

func TestFitJSONHasContractKeys(t *testing.T) {
	dir := t.TempDir()
	for _, model := range []string{"logreg", "gbdt"} {
		model := model
		t.Run(model, func(t *testing.T) {
			modelPath := filepath.Join(dir, model+".out")
			predPath := filepath.Join(dir, model+".csv")
			code, out, errs := runCmd(t, "fit", "--data", shipped+"criteo_200.csv", "--target", "label", "--model", model,
				"--holdout", "0.3", "--json", "--out", modelPath, "--predictions", predPath, "--param", paramFor(model))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var res map[string]any
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			for _, k := range []string{"model", "rows", "columns", "train_seconds", "predict_seconds", "best_iteration", "metrics"} {
				if _, ok := res[k]; !ok {
					t.Errorf("fit --json lacks %q", k)
				}
			}
			m := res["metrics"].(map[string]any)
			for _, k := range []string{"auc", "pr_auc", "logloss", "brier"} {
				v, ok := m[k].(float64)
				if !ok || v <= 0 || (k != "logloss" && v > 1) {
					t.Errorf("metrics.%s = %v", k, m[k])
				}
			}
			if res["rows"].(float64) != 200 {
				t.Errorf("rows = %v, want 200", res["rows"])
			}
			preds, err := os.ReadFile(predPath)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(preds)), "\n")
			if lines[0] != "score" || len(lines) != 61 {
				t.Errorf("predictions: header %q, %d lines; want score + 60 rows", lines[0], len(lines))
			}
			if st, err := os.Stat(modelPath); err != nil || st.Size() == 0 {
				t.Errorf("model file: %v", err)
			}
		})
	}
}

func paramFor(model string) string {
	if model == "gbdt" {
		return "num_iterations=20"
	}
	return "C=1"
}

func TestUsageAndDataErrorsExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"fit", "--target", "label"}, exitUsage, "--data FILE is required"},
		{[]string{"fit", "--data", shipped + "criteo_200.csv", "--target", "label", "--param", "oops"}, exitUsage, `--param "oops": want KEY=VALUE`},
		{[]string{"profile", "--data", shipped + "criteo_200.csv", "--target", "lable"}, exitFailure, `criteo_200.csv: the target names column "lable", which is not in the header (did you mean "label"?)`},
		{[]string{"profile", "--data", shipped + "nope.csv", "--target", "label"}, exitFailure, "nope.csv: no such file"},
		{[]string{"fit", "--data", shipped + "criteo_200.csv", "--target", "label", "--param", "num_leaves=1"}, exitUsage, "--param: gbdt: parameter num_leaves = 1 out of range, valid: 2..131072"},
	}
	for _, c := range cases {
		code, _, errs := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d containing %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

func TestProfileTextAndJSON(t *testing.T) {
	code, out, errs := runCmd(t, "profile", "--data", shipped+"sms_spam.csv", "--target", "is_spam")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{`target "is_spam": positive = "1" (conventional positive value), 747 positives`, "text: free text"} {
		if !strings.Contains(out, want) {
			t.Errorf("profile output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd(t, "profile", "--data", shipped+"avazu_100.csv", "--target", "click", "--json")
	var p struct {
		Rows    int `json:"rows"`
		Columns []struct {
			Name, Kind string
		} `json:"columns"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Rows != 100 || p.Columns[0].Kind != "identifier" {
		t.Errorf("profile --json: exit %d, %+v", code, p)
	}
}

func TestFitWithFeatureSetFromFile(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "spam.features")
	if err := os.WriteFile(spec, []byte("length(text)\nword_count(text)\ncount_upper(text)\ntokens(text, buckets=4096)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "fit", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--model", "logreg", "--features", "@"+spec, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Columns int
		Metrics struct{ AUC float64 }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	// Raw, the table has no usable column; text stats and tokens make it a strong model.
	if res.Columns != 3 || res.Metrics.AUC < 0.95 {
		t.Errorf("columns %d, AUC %.4f; want 3 dense columns and AUC ≥ 0.95", res.Columns, res.Metrics.AUC)
	}
	code, _, errs = runCmd(t, "fit", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--model", "gbdt")
	if code != exitFailure || !strings.Contains(errs, "no usable feature columns") {
		t.Errorf("raw sms_spam: exit %d %q", code, errs)
	}
	code, _, errs = runCmd(t, "fit", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--features", "length(txt)")
	if code != exitFailure || !strings.Contains(errs, `1:8: unknown column "txt" — did you mean "text"?`) {
		t.Errorf("bad feature: exit %d %q", code, errs)
	}
}
