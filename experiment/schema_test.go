package experiment

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// TestStudyReadsItsTableThroughTheSchemaItWasCreatedWith: a study stores
// its columns' kinds and categories at creation; a later read of the file
// follows them (not today's inference), refuses a column it can no longer
// read as its kind, and a study from before the schema was stored gets it
// derived and stored on its first read-write open.
func TestStudyReadsItsTableThroughTheSchemaItWasCreatedWith(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	cfg := testConfig()
	cfg.MaxTrials = 1
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(db, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	st, scfg, err := readStudy(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	var stored features.Schema
	if err := json.Unmarshal(st.Schema, &stored); err != nil {
		t.Fatalf("stored schema: %v (%s)", err, st.Schema)
	}
	if want := schemaOf(loadCriteo(t).Frame); !reflect.DeepEqual(stored, want) {
		t.Fatalf("stored schema differs from the table as loaded:\n%+v\n%+v", stored, want)
	}

	// I2 read as categorical, its categories in an order inference would
	// never give (reversed): the schema, not the rules, decides.
	asCat, err := LoadTable(TableSpec{Path: shippedCriteo, Target: "label", Load: features.LoadOptions{Categorical: []string{"I2"}}})
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(asCat.Frame.Col("I2").Levels)
	slices.Reverse(reversed)
	edit := func(fn func(s *features.Schema)) features.Schema {
		var s features.Schema
		json.Unmarshal(st.Schema, &s)
		fn(&s)
		return s
	}
	cases := []struct {
		name   string
		schema features.Schema
		check  func(t *testing.T, tab *Table)
		err    string
	}{
		{"as created", stored, func(t *testing.T, tab *Table) {
			if !reflect.DeepEqual(schemaOf(tab.Frame), stored) {
				t.Errorf("read back %+v", schemaOf(tab.Frame))
			}
		}, ""},
		{"kinds and categories from the schema", edit(func(s *features.Schema) {
			for i := range s.Columns {
				if s.Columns[i].Name == "I2" {
					s.Columns[i] = features.ColumnSchema{Name: "I2", Kind: "categorical", Levels: reversed}
				}
			}
		}), func(t *testing.T, tab *Table) {
			c := tab.Frame.Col("I2")
			if c.Kind != features.Categorical || !slices.Equal(c.Levels, reversed) {
				t.Errorf("I2: %s with levels %v, want categorical with %v", c.Kind, c.Levels[:3], reversed[:3])
			}
			// Row 1 of the file has I2 = 3: its code is that of "3" in the stored order.
			if got := c.Levels[c.Codes[0]]; got != "3" {
				t.Errorf("row 1: I2 = %q, want 3", got)
			}
		}, ""},
		{"a column that no longer reads as its kind", edit(func(s *features.Schema) {
			s.Columns[0].Kind = "datetime"
		}), nil, `criteo_200.csv: column "I1" reads as numeric, but study "s" was created with it as datetime (a study's kinds are fixed at creation)`},
		{"a column gone from the file", edit(func(s *features.Schema) {
			s.Columns = append(s.Columns, features.ColumnSchema{Name: "C27", Kind: "categorical"})
		}), nil, `criteo_200.csv: column "C27" of study "s" is not in the file any more`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, _ := json.Marshal(c.schema)
			st := st
			st.Schema = raw
			tab, err := LoadStudyTable(j, st, scfg)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, tab)
		})
	}
	// A study journaled its schema's dictionaries as "categories" before
	// features.Schema served studies and models (features/testdata/schema):
	// it reads the same.
	t.Run("journaled with categories", func(t *testing.T) {
		raw, _ := json.Marshal(cases[1].schema)
		st := st
		st.Schema = []byte(strings.ReplaceAll(string(raw), `"levels"`, `"categories"`))
		tab, err := LoadStudyTable(j, st, scfg)
		if err != nil {
			t.Fatal(err)
		}
		cases[1].check(t, tab)
	})

	// A study an older nightshift created has no schema: a reader leaves it
	// so, the first read-write open stores the one it read.
	old := st
	old.Name, old.Schema = "old", nil
	if _, err := j.CreateStudy(old); err != nil {
		t.Fatal(err)
	}
	j.Close()
	r, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadStudyTable(r, old, scfg); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.GetStudy("old"); len(got.Schema) != 0 {
		t.Errorf("a read-only open stored a schema")
	}
	r.Close()
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "old", Resume: true, MaxTrials: 1}); err != nil {
		t.Fatal(err)
	}
	j, err = journal.Open(db, journal.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := j.GetStudy("old")
	var derived features.Schema
	if err := json.Unmarshal(got.Schema, &derived); err != nil || !reflect.DeepEqual(derived, stored) {
		t.Errorf("resume of a study without a schema stored %s (%v), want the table as loaded", got.Schema, err)
	}
}
