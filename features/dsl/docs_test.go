package dsl

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

//go:generate go test -run TestDocsFeaturesMDIsGenerated -update

var update = flag.Bool("update", false, "rewrite docs/features.md from the op registry")

// TestDocsFeaturesMDIsGenerated keeps docs/features.md equal to Markdown();
// run `go generate ./features/dsl` after changing the registry.
func TestDocsFeaturesMDIsGenerated(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "features.md")
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go generate ./features/dsl)", err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date with the op registry: run go generate ./features/dsl", path)
	}
}

func TestRegistryIsComplete(t *testing.T) {
	ref := Reference()
	seen := map[string]bool{}
	for _, op := range Ops() {
		if seen[op.Name] {
			t.Errorf("op %s registered twice", op.Name)
		}
		seen[op.Name] = true
		if op.Meaning == "" || op.Example == "" || op.Cost == "" || op.Missing == "" || op.Leakage == "" {
			t.Errorf("op %s lacks documentation: %+v", op.Name, op)
		}
		if !strings.Contains(ref, op.Signature()) {
			t.Errorf("Reference() lacks %s", op.Signature())
		}
		for i, p := range op.Params {
			if p.Variadic && (i != 0 || p.Type.isLiteral()) {
				t.Errorf("op %s: variadic parameter %s must be the first and take expressions (the parser binds every positional argument to it)", op.Name, p.Name)
			}
		}
		if op.Name == "drop" {
			continue
		}
		// every example parses, and the op has an implementation
		spec, err := Parse(op.Example)
		if err != nil {
			t.Errorf("example of %s: %v", op.Name, err)
			continue
		}
		c := spec.Items[0].Expr.(*Call)
		var types []vtype
		for i, p := range c.op.Params {
			if c.Args[i] != nil && !p.Type.isLiteral() && p.Type != ArgColumn {
				types = append(types, vNum)
			}
		}
		if _, err := buildImpl(c, types); err != nil && !strings.Contains(err.Error(), "needs time=") {
			t.Errorf("op %s: %v", op.Name, err)
		}
	}
	for _, want := range []string{"log1p", "sqrt", "abs", "clip", "ratio", "diff", "prod", "pow", "bin", "rank", "is_missing", "fill",
		"sum", "mean", "min", "max", "wsum",
		"count", "target_mean", "cross", "rare", "hash", "category", "range_mid", "group_count", "group_mean", "group_std", "group_max", "group_nunique",
		"length", "word_count", "count_digits", "count_upper", "count_urls", "contains", "regex_count", "tokens",
		"hour", "weekday", "day", "month", "epoch", "since", "drop"} {
		if !seen[want] {
			t.Errorf("op %s missing from the registry", want)
		}
	}
}
