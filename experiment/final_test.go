package experiment

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// TestFinalModelRoundTripPredictsTheSame writes an ensemble of three kinds
// of member (a GBDT bag on the base columns, a GBDT and a logistic
// regression each with a feature pipeline) to a directory, reads it back
// with nothing of the study, loads the data file afresh through the saved
// schema and requires every row's prediction to equal the in-process
// model's to 1e-12.
func TestFinalModelRoundTripPredictsTheSame(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	s := criteoSearch(t, cfg)
	specs := []TrialSpec{
		{Model: ModelGBDT, Params: plan.DefaultsFor(ModelGBDT), Seed: 3},
		{Model: ModelGBDT, Params: plan.DefaultsFor(ModelGBDT), Features: "count(C3); log1p(I5); drop(C4)", Seed: 4},
		{Model: ModelLogreg, Params: plan.DefaultsFor(ModelLogreg), Features: "log1p(I5); count(C3)", Seed: 5},
	}
	var bags []bagged
	for i, spec := range specs {
		f, err := s.Bag(ctx, spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		bags = append(bags, bagged{trial: journal.Trial{ID: uint64(i + 1)}, fit: f})
	}
	fitted := ensembleOf(bags, []int{2, 1, 1})
	tab := loadCriteo(t)
	want, err := fitted.Predict(ctx, s, tab.Frame)
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "model")
	if err := fitted.Final(s).Write(dir); err != nil {
		t.Fatal(err)
	}
	m, err := final.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Members) != 3*cfg.Folds {
		t.Fatalf("%d members read, want %d", len(m.Members), 3*cfg.Folds)
	}
	if m.Members[0].Trial != 1 || m.Members[0].Weight != 0.5/float64(cfg.Folds) || m.Members[0].Pipeline != nil || m.Members[len(m.Members)-1].Pipeline == nil {
		t.Errorf("members read back: first %+v", m.Members[0])
	}
	fr, err := features.LoadFile(shippedCriteo, m.Schema.LoadOptions())
	if err != nil {
		t.Fatal(err)
	}
	conformed, err := m.Conform(fr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Predict(ctx, conformed)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range want {
		worst = max(worst, math.Abs(got[i]-want[i]))
	}
	if len(got) != len(want) || worst > 1e-12 {
		t.Fatalf("%d predictions after the round trip, %d before; largest difference %g", len(got), len(want), worst)
	}
	t.Logf("%d rows, largest difference %g", len(got), worst)
}

func TestFinalModelConformNamesTheMissingColumn(t *testing.T) {
	cfg := testConfig()
	s := criteoSearch(t, cfg)
	f, err := s.Refit(context.Background(), TrialSpec{Model: ModelGBDT, Params: map[string]string{"num_iterations": "5"}, Seed: 1}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Final(s)
	fr := loadCriteo(t).Frame.Without("I7")
	if _, err := m.Conform(fr); err == nil || !errors.Is(err, features.ErrUnknownColumn) || !strings.Contains(err.Error(), `column "I7" is missing`) {
		t.Errorf("conform without I7: %v", err)
	}
	dir := t.TempDir()
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "members", "01", "model.txt"), []byte("tree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := final.Read(dir); !errors.Is(err, final.ErrFormat) || !strings.Contains(err.Error(), "model.txt") {
		t.Errorf("damaged model.txt: %v", err)
	}
}
