package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// messy holds the small tables of issue 16 (features/testdata/messy/make.py).
const messy = "../../features/testdata/messy/"

// TestHugeValuesProfileAndFit: profile --json on a column holding 1e105 or
// 1e400 prints valid JSON, and logreg's refusal of an infinite value names
// the file line (52) and the column, not a training-row index.
func TestHugeValuesProfileAndFit(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		stdout   string // a substring of stdout ("" for none)
		stderr   string // a substring of stderr
		wantJSON bool
	}{
		{args: []string{"profile", "--data", messy + "huge_1e105.csv", "--target", "y", "--json"}, stdout: `"max": 1e+105`, wantJSON: true},
		{args: []string{"profile", "--data", messy + "huge_1e400.csv", "--target", "y", "--json"}, stdout: `"infinite": 1`, wantJSON: true},
		{args: []string{"fit", "--data", messy + "huge_1e400.csv", "--target", "y", "--model", "logreg"}, code: 1,
			stderr: `huge_1e400.csv: line 52 (field "x"): +Inf is not a value logistic regression can use`},
		{args: []string{"fit", "--data", messy + "huge_1e105.csv", "--target", "y", "--model", "logreg", "--json"}, stdout: `"auc"`, wantJSON: true},
		{args: []string{"run", "--data", messy + "huge_1e105.csv", "--target", "y", "--db", t.TempDir() + "/j.db", "--max-trials", "2", "--folds", "3", "--json"}, wantJSON: true},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[:2], " ")+" "+c.args[2], func(t *testing.T) {
			code, out, errs := runCmd(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, errs)
			}
			if !strings.Contains(out, c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, out)
			}
			if !strings.Contains(errs, c.stderr) {
				t.Errorf("stderr %q lacks %q", errs, c.stderr)
			}
			if c.wantJSON && !json.Valid([]byte(out)) {
				t.Errorf("stdout is not valid JSON:\n%s", out)
			}
		})
	}
}

// TestStrayStringsWarnInEveryCommand: profile (text and --json), fit and
// run all say which strings of a numeric column were read as missing.
func TestStrayStringsWarnInEveryCommand(t *testing.T) {
	file := messy + "stray_words.csv"
	want := `column "x" is numeric; 3 values that are not numbers were read as missing: "oops" (3 rows, first on line 7)`
	db := t.TempDir() + "/j.db"
	cases := []struct {
		name string
		args []string
	}{
		{"profile", []string{"profile", "--data", file, "--target", "y"}},
		{"profile json", []string{"profile", "--data", file, "--target", "y", "--json"}},
		{"fit", []string{"fit", "--data", file, "--target", "y", "--model", "logreg"}},
		{"run", []string{"run", "--data", file, "--target", "y", "--db", db, "--max-trials", "1", "--folds", "3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCmd(t, c.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if !strings.Contains(errs, "stray_words.csv: "+want) || !strings.HasPrefix(errs, "warning: ") {
				t.Errorf("stderr lacks the warning:\n%s", errs)
			}
			if c.name != "profile json" {
				return
			}
			var p struct {
				Warnings []struct{ Column, Message string }
			}
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Warnings) != 2 || p.Warnings[0].Column != "x" || !strings.Contains(p.Warnings[0].Message, want) {
				t.Errorf("profile --json warnings = %+v", p.Warnings)
			}
		})
	}
}

// TestDelimiterFlag: --delimiter forces the delimiter on every command that
// reads a table, and a bad one is a usage error.
func TestDelimiterFlag(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"profile", "--data", messy + "semicolon.csv", "--target", "y", "--delimiter", ";"}, 0, ""},
		{[]string{"fit", "--data", messy + "tab.tsv", "--target", "y", "--model", "gbdt", "--delimiter", "tab"}, 0, ""},
		{[]string{"profile", "--data", messy + "semicolon.csv", "--target", "y", "--delimiter", "ab"}, 2, `--delimiter "ab": want one ASCII character`},
		{[]string{"profile", "--data", messy + "header_only.csv", "--target", "y"}, 1, "header_only.csv: no data rows"},
		{[]string{"profile", "--data", messy + "binary.csv", "--target", "y"}, 1, "binary.csv: does not look like text"},
	}
	for _, c := range cases {
		code, _, errs := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.stderr) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, errs, c.code, c.stderr)
		}
	}
}

// TestColumnNames: a non-ASCII name reaches the GBDT model file as it is,
// and a 10,000-character name does not widen every line of the profile.
func TestColumnNames(t *testing.T) {
	out := t.TempDir() + "/m.txt"
	code, _, errs := runCmd(t, "fit", "--data", messy+"names.csv", "--target", "y", "--model", "gbdt", "--out", out)
	if code != 0 {
		t.Fatalf("fit: exit %d: %s", code, errs)
	}
	model, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(model), "\nfeature_names=分类 "+strings.Repeat("z", 10000)+"\n") {
		t.Errorf("model file's feature_names do not carry the names as they are")
	}
	code, text, errs := runCmd(t, "profile", "--data", messy+"names.csv", "--target", "y")
	if code != 0 {
		t.Fatalf("profile: exit %d: %s", code, errs)
	}
	for i, line := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(line); n > 200 {
			t.Errorf("profile line %d is %d characters wide", i+1, n)
		}
	}
	if !strings.Contains(text, "\n分类 ") || !strings.Contains(text, "\n"+strings.Repeat("z", maxNameWidth-1)+"…") {
		t.Errorf("profile does not show the names (clipped):\n%s", text)
	}
}
