package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/registry"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
)

// checkFixture is a registry with model "click": v1 and v2, each holding the
// contract of criteo_200's first 160 rows, champion → v2; and the last 40
// rows as a clean file and as a file with a word in numeric column I2.
type checkFixture struct {
	registry, clean, bad string
}

func newCheckFixture(t *testing.T) checkFixture {
	t.Helper()
	raw, err := os.ReadFile(shipped + "criteo_200.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	header, rows := lines[0], lines[1:]
	dir := t.TempDir()
	write := func(name string, parts ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(parts, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	train := write("train.csv", append([]string{header}, rows[:160]...)...)
	f := checkFixture{registry: filepath.Join(dir, "models")}
	f.clean = write("clean.csv", append([]string{header}, rows[160:]...)...)
	bad := append([]string(nil), rows[160:]...)
	for _, i := range []int{3, 17} { // data rows 4 and 18: file lines 5 and 19
		fields := strings.Split(bad[i], ",")
		fields[2] = "twelve" // I2
		bad[i] = strings.Join(fields, ",")
	}
	f.bad = write("bad.csv", append([]string{header}, bad...)...)

	fr, err := features.LoadFile(train, features.LoadOptions{Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := features.ParseTarget(fr, "label", "")
	if err != nil {
		t.Fatal(err)
	}
	search := fr.Without("label")
	c, err := contract.Generate(search, features.ProfileFrame(search, tg, 1), contract.Options{Name: "click"})
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.Open(f.registry)
	fill := func(dir string, _ int) error { return c.Write(filepath.Join(dir, contractFile)) }
	champion := &registry.AliasMove{Alias: registry.Champion, Reason: "test"}
	for range 2 {
		if _, err := reg.Publish(context.Background(), "click", registry.Meta{}, fill, champion); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.MoveAlias(context.Background(), "click", "v1", registry.AliasMove{Alias: "previous", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCheckExitCodes(t *testing.T) {
	f := newCheckFixture(t)
	reg := "--registry=" + f.registry
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"clean file by name", []string{"--model", "click", reg, "--data", f.clean}, 0, []string{"passed"}},
		{"word in a numeric column", []string{"--model", "click", reg, "--data", f.bad}, exitContract,
			[]string{`error   I2 [type]: 2 of 40 rows hold values that are not numbers`, `line 5: "twelve" (2 rows; also line 19)`, "FAILED: 1 error(s)"}},
		{"by alias", []string{"--model", "click@previous", reg, "--data", f.bad}, exitContract, []string{"click/v1/contract.odcs.yaml"}},
		{"by version", []string{"--model", "click/v1", reg, "--data", f.bad}, exitContract, []string{"click/v1/contract.odcs.yaml"}},
		{"by name directory", []string{"--model", filepath.Join(f.registry, "click"), "--data", f.bad}, exitContract, []string{"click/v2/contract.odcs.yaml"}},
		{"by version directory", []string{"--model", filepath.Join(f.registry, "click", "v1"), "--data", f.bad}, exitContract, []string{"click/v1/contract.odcs.yaml"}},
		{"by contract file", []string{"--model", filepath.Join(f.registry, "click", "v1", contractFile), "--data", f.bad}, exitContract, []string{"FAILED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, append([]string{"check"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, s := range tc.contains {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestCheckRefErrorsNameWhatExists(t *testing.T) {
	f := newCheckFixture(t)
	for _, tc := range []struct {
		ref, want string
	}{
		{"fraud", "(names: click)"},
		{"click@staging", `no alias "staging" (aliases: champion → v2, previous → v1)`},
		{"click/v9", "model click/v9: not in the registry (versions: v1, v2)"},
	} {
		code, _, errs := runCmd(t, "check", "--model", tc.ref, "--registry", f.registry, "--data", f.clean)
		if code != exitFailure || !strings.Contains(errs, tc.want) {
			t.Errorf("--model %s: exit %d, stderr %q; want exit 1 naming %q", tc.ref, code, errs, tc.want)
		}
	}
}

// TestCheckWarningAloneExitsZero: with the type rule edited to a warning,
// the same bad file exits 0 and says it passed with a warning; --json
// carries the violation with its lines.
func TestCheckWarningAloneExitsZero(t *testing.T) {
	f := newCheckFixture(t)
	path := filepath.Join(f.registry, "click", "v2", contractFile)
	c, err := contract.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Property("I2").Quality {
		if r.Name == "type" {
			r.Severity = contract.SeverityWarning
		}
	}
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "check", "--model", "click", "--registry", f.registry, "--data", f.bad, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Passed     bool
		Errors     int
		Violations []contract.Violation
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var typ *contract.Violation
	for i, v := range rep.Violations {
		if v.Column == "I2" && v.Check == "type" {
			typ = &rep.Violations[i]
		}
	}
	if !rep.Passed || rep.Errors != 0 || typ == nil || typ.Severity != "warning" || typ.Count != 2 ||
		len(typ.Examples) != 1 || typ.Examples[0].Line != 5 || typ.Examples[0].Count != 2 || !slices.Equal(typ.Examples[0].MoreLines, []int{19}) {
		t.Fatalf("report %+v; want a pass with I2's type violation as a warning (2 rows, at lines 5 and 19)", rep)
	}
	code, out, _ = runCmd(t, "check", "--model", "click", "--registry", f.registry, "--data", f.bad)
	if code != 0 || !strings.Contains(out, "passed with") || !strings.Contains(out, "warning(s): no rule of severity error failed") {
		t.Fatalf("exit %d, stdout:\n%s", code, out)
	}
}

// TestCheckEveryMutationExits3 runs the six broken files through
// the command: each exits 3 and its --json names the column, the count and
// the lines of the examples.
func TestCheckEveryMutationExits3(t *testing.T) {
	f := newCheckFixture(t)
	raw, err := os.ReadFile(f.clean)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	header := strings.Split(lines[0], ",")
	col := func(name string) int {
		for j, h := range header {
			if h == name {
				return j
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	// edit applies fn to the fields of every line (row 0 is the header).
	edit := func(fn func(row int, fields []string) []string) string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = strings.Join(fn(i, strings.Split(l, ",")), ",")
		}
		p := filepath.Join(t.TempDir(), "new.csv")
		if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, column, check string
		count               int
		lines               []int
		data                string
	}{
		{"renamed column", "I1", "missingColumn", 40, nil, edit(func(row int, f []string) []string {
			if row == 0 {
				f[col("I1")] = "i1"
			}
			return f
		})},
		{"string in a numeric column", "I2", "type", 2, []int{5}, f.bad},
		{"new category in 10% of rows", "C9", "invalidValues", 4, []int{2}, edit(func(row int, f []string) []string {
			if row > 0 && row%10 == 1 {
				f[col("C9")] = "0ddba11"
			}
			return f
		})},
		{"shifted range", "I2", "range", 40, []int{2, 3, 4, 5, 6}, edit(func(row int, f []string) []string {
			if row > 0 {
				v, err := strconv.ParseFloat(f[col("I2")], 64)
				if err != nil {
					t.Fatal(err)
				}
				f[col("I2")] = strconv.FormatFloat(v+1e5, 'g', -1, 64) // beyond the trained maximum 2865
			}
			return f
		})},
		{"dropped column", "C3", "missingColumn", 40, nil, edit(func(row int, f []string) []string {
			j := col("C3")
			return append(f[:j:j], f[j+1:]...)
		})},
		{"nulls in a required column", "C9", "nullValues", 3, []int{3, 8, 30}, edit(func(row int, f []string) []string {
			if row == 2 || row == 7 || row == 29 {
				f[col("C9")] = ""
			}
			return f
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "check", "--model", "click", "--registry", f.registry, "--data", tc.data, "--json")
			if code != exitContract {
				t.Fatalf("exit %d, want %d: %s\n%s", code, exitContract, errs, out)
			}
			var rep struct{ Violations []contract.Violation }
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			var got *contract.Violation
			for i, v := range rep.Violations {
				if v.Severity == "error" && v.Column == tc.column && v.Check == tc.check {
					got = &rep.Violations[i]
				}
			}
			if got == nil {
				t.Fatalf("no error on %s (%s): %+v", tc.column, tc.check, rep.Violations)
			}
			var at []int
			for _, e := range got.Examples {
				at = append(at, e.Line)
			}
			if got.Count != tc.count || tc.lines != nil && !slices.Equal(at, tc.lines) {
				t.Fatalf("%s: count %d, example lines %v; want %d and %v", tc.column, got.Count, at, tc.count, tc.lines)
			}
			// predict checks the same contract first and scores nothing.
			scores := filepath.Join(t.TempDir(), "scores.csv")
			code, _, errs = runCmd(t, "predict", "--model", "click", "--registry", f.registry, "--data", tc.data, "--out", scores)
			if code != exitContract || !strings.Contains(errs, tc.column) {
				t.Errorf("predict: exit %d, want %d naming %s\n%s", code, exitContract, tc.column, errs)
			}
			if _, err := os.Stat(scores); err == nil {
				t.Error("predict wrote scores for a file that breaks the contract")
			}
		})
	}
}

// TestCheckJSONListsAreAlwaysThere: check --json has one shape for its
// consumers: every list — the report's violations and skipped rules, a
// violation's examples, an example's more lines — is [] when empty, never
// absent (skipped, examples and more_lines were left out when empty), and
// every single-value field is there too, "" or 0 when it does not apply
// (column, limit, line and count were left out then).
func TestCheckJSONListsAreAlwaysThere(t *testing.T) {
	f := newCheckFixture(t)
	raw, err := os.ReadFile(f.clean)
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(t.TempDir(), "renamed.csv") // a missing column: a violation without examples
	if err := os.WriteFile(renamed, []byte(strings.Replace(string(raw), "I1", "i1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	has := func(m map[string]any, keys ...string) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%q is absent from %v", k, m)
			}
		}
	}
	isList := func(m map[string]any, key string) []any {
		l, ok := m[key].([]any)
		if !ok {
			t.Errorf("%q is %#v in %v, want a list", key, m[key], m)
		}
		return l
	}
	for _, c := range []struct {
		name, data string
		code       int
	}{
		{"clean", f.clean, 0},
		{"a word in a numeric column", f.bad, exitContract},
		{"a renamed column", renamed, exitContract},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "check", "--model", "click", "--registry", f.registry, "--data", c.data, "--json")
			var rep map[string]any
			if code != c.code || json.Unmarshal([]byte(out), &rep) != nil {
				t.Fatalf("exit %d, want %d: %s\n%s", code, c.code, errs, out)
			}
			isList(rep, "skipped")
			has(rep, "errors", "warnings")
			for _, v := range isList(rep, "violations") {
				has(v.(map[string]any), "column", "rule", "check", "severity", "count", "observed", "limit", "message")
				for _, e := range isList(v.(map[string]any), "examples") {
					has(e.(map[string]any), "value", "line", "row", "count")
					isList(e.(map[string]any), "more_lines")
				}
			}
		})
	}
}
