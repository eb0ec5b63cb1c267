package promote

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
)

const shippedCriteo = "../../testdata/data/criteo_200.csv"

// criteoSearch is the search part of a study of the shipped Criteo sample
// (3 folds, a fifth held out).
func criteoSearch(t *testing.T) *experiment.Search {
	t.Helper()
	cfg := experiment.StudyConfig{Config: studyview.Config{Data: shippedCriteo, Target: "label", Metric: experiment.MetricAUC, Holdout: 0.2, Folds: 3, Seed: 7,
		Planner: "builtin", Workers: 1, MaxTrials: 6, TrialTimeout: experiment.Duration(time.Minute)}}
	tab, err := experiment.LoadTable(experiment.TableSpec{Path: shippedCriteo, Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	holdout, err := experiment.HoldoutRows(tab, cfg.Holdout, "", "", cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := experiment.NewSearch(tab, holdout, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPredictInBlocksWritesTheSameFile: scoring a block of 7 rows at a
// time writes the same bytes as one block, and id values that need
// quoting read back intact through encoding/csv.
func TestPredictInBlocksWritesTheSameFile(t *testing.T) {
	s := criteoSearch(t)
	f, err := s.Bag(context.Background(), experiment.TrialSpec{Model: experiment.ModelLogreg, Params: plan.DefaultsFor(experiment.ModelLogreg), Features: "log1p(I5); count(C3)", Seed: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := f.Final(s).Write(dir); err != nil {
		t.Fatal(err)
	}
	// An id column whose values need quoting.
	src, err := os.ReadFile(shippedCriteo)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	lines[0] = "name," + lines[0]
	for i := 1; i < len(lines); i++ {
		lines[i] = fmt.Sprintf(`"row %d, ""quoted""",`, i) + lines[i]
	}
	data := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(data, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var one, blocks bytes.Buffer
	if _, err := Predict(context.Background(), PredictOptions{VersionDir: dir, Data: data, IDCols: []string{"name"}}, &one); err != nil {
		t.Fatal(err)
	}
	if _, err := Predict(context.Background(), PredictOptions{VersionDir: dir, Data: data, IDCols: []string{"name"}, BlockRows: 7}, &blocks); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), blocks.Bytes()) {
		t.Fatal("blocks of 7 rows wrote a different file than one block")
	}
	recs, err := csv.NewReader(&one).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 201 || recs[0][0] != "name" || recs[0][1] != "score" || recs[3][0] != `row 3, "quoted"` {
		t.Errorf("%d records, header %v, row 3 %v", len(recs), recs[0], recs[3])
	}
}

// TestPredictReadsAVersionAnEarlierNightshiftPublished: a version published
// before the model's schema became features.Schema (testdata/registry-5eb9fe2)
// still loads, passes its contract and scores its data file to the same
// bytes that version's predict wrote.
func TestPredictReadsAVersionAnEarlierNightshiftPublished(t *testing.T) {
	dir := filepath.Join("testdata", "registry-5eb9fe2")
	want, err := os.ReadFile(filepath.Join(dir, "scores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	res, err := Predict(context.Background(), PredictOptions{VersionDir: filepath.Join(dir, "fx", "v1"), Data: filepath.Join(dir, "small.csv")}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 200 || res.Report == nil || res.Report.Failed() {
		t.Errorf("%d rows scored, contract report %+v", res.Rows, res.Report)
	}
	m, err := final.Read(filepath.Join(dir, "fx", "v1"))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Schema.Columns[2]; c.Name != "C6" || !slices.Equal(c.Levels, []string{"3bf701e7", "fbad5c96", "7e0ccccf", "fe6b92e5", "6f6d9be8", "13718bbd"}) || m.Schema.Positive != "1" {
		t.Errorf("schema read back: %+v", m.Schema)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("scores differ from those the publishing version wrote:\n got %.200s\nwant %.200s", got.Bytes(), want)
	}
}
