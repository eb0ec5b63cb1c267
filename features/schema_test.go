package features

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSchemaReadsWhatEarlierVersionsWrote: a study's journaled schema
// (dictionaries under "categories") and a promoted model's schema.json
// ("levels", with the label), both written by nightshift before Schema
// served both, decode to the same columns; what is written now reads back
// the same and says "levels".
func TestSchemaReadsWhatEarlierVersionsWrote(t *testing.T) {
	read := func(name string) Schema {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "schema", name))
		if err != nil {
			t.Fatal(err)
		}
		var s Schema
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	study, model := read("study-5eb9fe2.json"), read("model-5eb9fe2.json")
	want := []ColumnSchema{
		{Name: "I1", Kind: "numeric"}, {Name: "I5", Kind: "numeric"},
		{Name: "C6", Kind: "categorical", Levels: []string{"3bf701e7", "fbad5c96", "7e0ccccf", "fe6b92e5", "6f6d9be8", "13718bbd"}},
		{Name: "C9", Kind: "categorical", Levels: []string{"a73ee510", "7cc72ec2"}},
	}
	if !reflect.DeepEqual(study.Columns, want) {
		t.Errorf("study schema columns\n got %+v\nwant %+v", study.Columns, want)
	}
	if !reflect.DeepEqual(model.Columns, want) {
		t.Errorf("model schema columns\n got %+v\nwant %+v", model.Columns, want)
	}
	if model.Target != "label" || model.Positive != "1" || model.Negative != "0" || study.Target != "" {
		t.Errorf("labels: model %q %q/%q, study %q", model.Target, model.Positive, model.Negative, study.Target)
	}
	for _, s := range []Schema{study, model} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"categories"`) || !strings.Contains(string(b), `"levels"`) {
			t.Errorf("written as %s", b)
		}
		var back Schema
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, s) {
			t.Errorf("round trip: %+v (%v), want %+v", back, err, s)
		}
	}
}

// TestSchemaOfReadsTheFrameBack: a frame loaded through its own schema's
// LoadOptions and aligned to its Dictionaries has the same kinds and
// codes, also when the second file's categories come in another order.
func TestSchemaOfReadsTheFrameBack(t *testing.T) {
	const data = "label,n,c,t\n1,0.5,b,x y z\n0,1.5,a,p q r\n1,2.5,b,u v w\n"
	dir := t.TempDir()
	first := filepath.Join(dir, "first.csv")
	if err := os.WriteFile(first, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	fr, err := LoadFile(first, LoadOptions{Target: "label", Categorical: []string{"c"}, Text: []string{"t"}})
	if err != nil {
		t.Fatal(err)
	}
	s := SchemaOf(fr.Without("label"))
	s.Target = "label"
	// The same rows, the categories met in the other order.
	second := filepath.Join(dir, "second.csv")
	lines := strings.Split(strings.TrimSpace(data), "\n")
	if err := os.WriteFile(second, []byte(strings.Join([]string{lines[0], lines[2], lines[1], lines[3]}, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := LoadFile(second, s.LoadOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := again.AlignTo(s.Dictionaries()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"n", "c", "t"} {
		if got, want := again.Col(name).Kind, fr.Col(name).Kind; got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	c, c0 := again.Col("c"), fr.Col("c")
	if !reflect.DeepEqual(c.Levels, c0.Levels) || c.Codes[0] != c0.Codes[1] || c.Codes[1] != c0.Codes[0] {
		t.Errorf("c: levels %v codes %v, first read %v %v", c.Levels, c.Codes, c0.Levels, c0.Codes)
	}
}
