package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestGBDTQuantizedIsInEveryGBDTSpec: `run --gbdt-quantized` puts
// use_quantized_grad=true in the spec of every GBDT trial (so in its hash,
// and in the final model's members, which are trials) and in no logistic
// regression's; without the flag no spec has it.
func TestGBDTQuantizedIsInEveryGBDTSpec(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  string
	}{{nil, ""}, {[]string{"--gbdt-quantized"}, "true"}} {
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
			want := ""
			if tr.Model == "gbdt" {
				gbdt++
				want = c.want
			}
			if got := tr.Params["use_quantized_grad"]; got != want {
				t.Errorf("run %v: trial %d (%s) use_quantized_grad = %q, want %q", c.flags, tr.ID, tr.Model, got, want)
			}
		}
		if gbdt == 0 {
			t.Fatalf("run %v: no GBDT trial among %d", c.flags, len(trials))
		}
	}
}
