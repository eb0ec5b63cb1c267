package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestGBDTQuantizedIsInEveryGBDTSpec: `run` (--gbdt-quantized is on by
// default) puts use_quantized_grad=true num_grad_quant_bins=16
// quant_train_renew_leaf=true in the spec of every GBDT trial (so in its
// hash, and in the final model's members, which are trials) and in no
// logistic regression's; with --gbdt-quantized=false no spec has them.
func TestGBDTQuantizedIsInEveryGBDTSpec(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  map[string]string
	}{
		{nil, map[string]string{"use_quantized_grad": "true", "num_grad_quant_bins": "16", "quant_train_renew_leaf": "true"}},
		{[]string{"--gbdt-quantized=false"}, nil},
		{[]string{"--gbdt-quantized"}, map[string]string{"use_quantized_grad": "true", "num_grad_quant_bins": "16", "quant_train_renew_leaf": "true"}},
	} {
		db := filepath.Join(t.TempDir(), "j.db")
		args := append([]string{"run", "--data", shipped + "criteo_200.csv", "--target", "label", "--study", "q", "--db", db,
			"--max-trials", "8", "--folds", "3", "--workers", "1"}, c.flags...)
		if code, _, errs := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
		_, out, _ := runCmd(t, "trials", "--study", "q", "--db", db, "--json")
		var trials []struct {
			ID     int
			Model  string
			Params map[string]string
		}
		if err := json.Unmarshal([]byte(out), &trials); err != nil {
			t.Fatalf("trials --json: %v %s", err, out)
		}
		gbdt := 0
		for _, tr := range trials {
			var want map[string]string
			if tr.Model == "gbdt" {
				gbdt++
				want = c.want
			}
			for _, k := range []string{"use_quantized_grad", "num_grad_quant_bins", "quant_train_renew_leaf"} {
				if got := tr.Params[k]; got != want[k] {
					t.Errorf("run %v: trial %d (%s) %s = %q, want %q", c.flags, tr.ID, tr.Model, k, got, want[k])
				}
			}
		}
		if gbdt == 0 {
			t.Fatalf("run %v: no GBDT trial among %d", c.flags, len(trials))
		}
	}
}
