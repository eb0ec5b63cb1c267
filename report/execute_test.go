package report

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// The notebook's code cells really run: jupyter nbconvert executes a
// generated report with nightshift on the PATH, every cell runs without
// error, and the data behind each recomputed table and series
// (leaderboard, history, holdout table) equals what the pre-rendered
// output carries. Skipped, saying so, where jupyter is missing, unless
// NIGHTSHIFT_REQUIRE_JUPYTER is set (.ci/run sets it after it installs Debian's jupyter-nbconvert, python3-ipykernel,
// python3-matplotlib and python3-pandas).
func TestNotebookExecutesAndAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: executing the notebook takes about 15 s")
	}
	jupyter, err := exec.LookPath("jupyter")
	if err != nil {
		if os.Getenv("NIGHTSHIFT_REQUIRE_JUPYTER") != "" {
			t.Fatal("jupyter is not installed, and NIGHTSHIFT_REQUIRE_JUPYTER says it must be (.ci/run installs jupyter-nbconvert)")
		}
		t.Skip("jupyter not found: install jupyter-nbconvert, python3-ipykernel, python3-matplotlib and python3-pandas to run this test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "nightshift"), "github.com/nightshift-ml/nightshift/cmd/nightshift")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path, _ := fixture(t, false)
	dir := filepath.Join(filepath.Dir(path), "reports", "claims")
	p, err := Write(readStudy(t, path), dir, Options{DB: "../../j.db"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, jupyter, "nbconvert", "--to", "notebook", "--execute", "--output", "executed.ipynb", p.Notebook)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "MPLBACKEND=module://matplotlib_inline.backend_inline", "PYDEVD_DISABLE_FILE_VALIDATION=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbconvert --execute: %v\n%s", err, out)
	}
	pre, ran := readNotebook(t, p.Notebook), readNotebook(t, filepath.Join(dir, "executed.ipynb"))
	if len(pre.Cells) != len(ran.Cells) {
		t.Fatalf("%d cells before, %d after", len(pre.Cells), len(ran.Cells))
	}
	checked := map[string]bool{}
	for i, c := range ran.Cells {
		if c.CellType != "code" {
			continue
		}
		if c.ExecutionCount == nil {
			t.Errorf("cell %d did not run", i+1)
		}
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				t.Errorf("cell %d: %s: %s", i+1, o.EName, o.EValue)
			}
		}
		check := c.Metadata.Nightshift.Check
		if check == "" {
			continue
		}
		want, got := jsonOutput(pre.Cells[i]), jsonOutput(c)
		if want == nil || got == nil {
			t.Errorf("%s: pre-rendered data %v, recomputed %v", check, want != nil, got != nil)
			continue
		}
		if !sameData(want, got) {
			t.Errorf("%s: recomputed data differ from the pre-rendered\n pre: %v\n ran: %v", check, want, got)
		}
		checked[check] = true
	}
	for _, c := range []string{"leaderboard", "history", "holdout"} {
		if !checked[c] {
			t.Errorf("no %s check ran", c)
		}
	}
}

// nbFile is the part of a notebook the test reads.
type nbFile struct {
	Cells []nbFileCell `json:"cells"`
}

type nbFileCell struct {
	CellType       string `json:"cell_type"`
	ExecutionCount *int   `json:"execution_count"`
	Metadata       struct {
		Nightshift struct {
			Check string `json:"check"`
		} `json:"nightshift"`
	} `json:"metadata"`
	Outputs []struct {
		OutputType string         `json:"output_type"`
		EName      string         `json:"ename"`
		EValue     string         `json:"evalue"`
		Data       map[string]any `json:"data"`
	} `json:"outputs"`
}

func readNotebook(t *testing.T, path string) nbFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb nbFile
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb
}

// jsonOutput is a cell's application/json output (the data a check
// compares), nil when it has none.
func jsonOutput(c nbFileCell) any {
	for _, o := range c.Outputs {
		if v, ok := o.Data["application/json"]; ok {
			return v
		}
	}
	return nil
}

// sameData compares decoded JSON, numbers to 1e-12 relative.
func sameData(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Abs(x-y) <= 1e-12*math.Max(1, math.Abs(x))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameData(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !sameData(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
