package experiment

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/plan"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

func TestFoldsAndScreeningFollowDataSize(t *testing.T) {
	for _, c := range []struct {
		folds, rows, want int
	}{{0, 10_000, 5}, {0, largeRows - 1, 5}, {0, largeRows, 3}, {0, 800_000, 3}, {7, 800_000, 7}, {4, 100, 4}} {
		if got := resolveFolds(c.folds, c.rows); got != c.want {
			t.Errorf("resolveFolds(%d, %d) = %d, want %d", c.folds, c.rows, got, c.want)
		}
	}
	for _, c := range []struct {
		v       string
		rows    int
		frac    float64
		minRows int
	}{{"auto", 10_000, 0, 0}, {"auto", 800_000, screenDefault, screenMinRows}, {"off", 800_000, 0, 0},
		{"", 800_000, 0, 0}, {"0.25", 100, 0.25, 0}} {
		f, m := screenFraction(c.v, c.rows)
		if f != c.frac || m != c.minRows {
			t.Errorf("screenFraction(%q, %d) = %v, %d; want %v, %d", c.v, c.rows, f, m, c.frac, c.minRows)
		}
	}
	for v, ok := range map[string]bool{"auto": true, "off": true, "0.5": true, "0.125": true, "0": false, "0.6": false, "-1": false, "half": false} {
		if validScreen(v) != ok {
			t.Errorf("validScreen(%q) = %v, want %v", v, !ok, ok)
		}
	}
}

func TestStratifiedSampleKeepsClassSharesAndOrder(t *testing.T) {
	y := make([]float64, 100_000)
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []int
	for i := range y {
		if rng.Float64() < 0.03 {
			y[i] = 1
		}
		if i%3 != 0 { // a fold's rows: a subset
			rows = append(rows, i)
		}
	}
	share := func(rs []int) float64 {
		p := 0.0
		for _, r := range rs {
			p += y[r]
		}
		return p / float64(len(rs))
	}
	s := stratifiedSample(rows, y, 0.125, 0, rand.New(rand.NewPCG(3, 4)))
	if want := len(rows) / 8; math.Abs(float64(len(s)-want)) > 2 {
		t.Errorf("sample of %d rows at 1/8: %d rows", len(rows), len(s))
	}
	if !slices.IsSorted(s) {
		t.Error("sample rows are not in increasing order")
	}
	in := map[int]bool{}
	for _, r := range rows {
		in[r] = true
	}
	for _, r := range s {
		if !in[r] {
			t.Fatalf("row %d is not one of the fold's rows", r)
		}
	}
	if math.Abs(share(s)-share(rows)) > 0.002 {
		t.Errorf("positive share %.4f in the sample, %.4f in the fold", share(s), share(rows))
	}
	if got := stratifiedSample(rows, y, 0.125, 40_000, rand.New(rand.NewPCG(3, 4))); len(got) < 40_000 {
		t.Errorf("minRows 40000: %d rows", len(got))
	}
	if got := stratifiedSample(rows[:100], y, 0.125, screenMinRows, rand.New(rand.NewPCG(3, 4))); len(got) != 100 {
		t.Errorf("fewer rows than minRows: %d of 100 kept, want all", len(got))
	}
}

func TestScreenGateKeepsTheBestThird(t *testing.T) {
	earlier := []float64{0.70, 0.72, 0.74, 0.76, 0.78}
	gate := screenGate(MetricAUC, earlier, 0.125)
	// 6 screens with this one: the best 2 go on (0.78 and the newcomer).
	if ok, why := gate(0.77); !ok {
		t.Errorf("0.77 among %v should be promoted: %s", earlier, why)
	}
	ok, why := gate(0.75)
	if ok || !strings.Contains(why, "screened out") || !strings.Contains(why, "best 2 of 6") {
		t.Errorf("0.75 among %v: promote=%v %q", earlier, ok, why)
	}
	if ok, _ := gate(math.NaN()); ok {
		t.Error("a NaN screening score was promoted")
	}
	if ok, _ := screenGate(MetricAUC, earlier[:screenStartup-1], 0.125)(0.1); !ok {
		t.Error("a trial before screenStartup screens was not promoted")
	}
	// Lower is better for logloss.
	ll := screenGate(MetricLogLoss, []float64{0.30, 0.32, 0.34, 0.36, 0.38}, 0.125)
	if ok, _ := ll(0.31); !ok {
		t.Error("logloss 0.31 should be promoted")
	}
	if ok, _ := ll(0.35); ok {
		t.Error("logloss 0.35 should be screened out")
	}
}

// TestScreeningRungRunsFirstAndGates evaluates trials on the shipped
// Criteo sample with a 1/2 screening rung: a rejected trial has its
// screening score and no fold, a promoted one both, and the rung's rows are
// a sample of fold 1's.
func TestScreeningRungRunsFirstAndGates(t *testing.T) {
	cfg := testConfig()
	cfg.Screen = "0.5"
	s := criteoSearch(t, cfg)
	if s.ScreenFrac != 0.5 || len(s.Screen.Train) == 0 || len(s.Screen.Train) > len(s.Folds[0].Train)/2+2 {
		t.Fatalf("screening rung: frac %v, %d of %d training rows", s.ScreenFrac, len(s.Screen.Train), len(s.Folds[0].Train))
	}
	for _, part := range [][2][]int{{s.Screen.Train, s.Folds[0].Train}, {s.Screen.Valid, s.Folds[0].Valid}} {
		for _, r := range part[0] {
			if _, ok := slices.BinarySearch(part[1], r); !ok {
				t.Fatalf("screening row %d is not in fold 1", r)
			}
		}
	}
	spec := TrialSpec{Model: ModelGBDT, Params: plan.DefaultsFor(ModelGBDT), Seed: 1}
	reject := Gates{Screen: func(float64) (bool, string) { return false, "screened out: test" }}
	out, err := s.Evaluate(context.Background(), spec, 1, reject)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Pruned || out.Screen == nil || len(out.FoldScores) != 0 || out.PruneReason != "screened out: test" {
		t.Fatalf("rejected at the screen: %+v", out)
	}
	if *out.Screen < 0.5 || *out.Screen > 1 {
		t.Errorf("screening AUC %v", *out.Screen)
	}
	out2, err := s.Evaluate(context.Background(), spec, 1, Gates{})
	if err != nil {
		t.Fatal(err)
	}
	if out2.Pruned || out2.Screen == nil || *out2.Screen != *out.Screen || len(out2.FoldScores) != len(s.Folds) {
		t.Fatalf("promoted: %+v (screen %v vs %v)", out2, out2.Screen, out.Screen)
	}
}

// TestRunWithScreeningJournalsTheRung runs a study that screens: every
// trial that ran has its screening score journaled, trials past the
// startup are screened out when below the best third, and the leader is a
// trial that ran every fold.
func TestRunWithScreeningJournalsTheRung(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	cfg := testConfig()
	cfg.Screen = "0.5"
	cfg.MaxTrials = 14
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	trials, _ := j.ListTrials("s")
	screened, full := 0, 0
	for _, tr := range trials {
		if tr.State != journal.TrialDone && tr.State != journal.TrialPruned {
			continue
		}
		if tr.Screen == nil {
			t.Errorf("trial %d (%s) has no screening score", tr.ID, tr.State)
		}
		if strings.HasPrefix(tr.Error, "screened out") {
			screened++
			if len(tr.FoldScores) != 0 {
				t.Errorf("screened-out trial %d has fold scores %v", tr.ID, tr.FoldScores)
			}
		}
		if tr.State == journal.TrialDone {
			full++
		}
	}
	if screened == 0 || full < screenStartup {
		t.Errorf("%d screened out, %d finished of %d trials", screened, full, len(trials))
	}
	st, err := studyview.ReadStatus(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	if st.Best == nil {
		t.Fatal("no leader")
	}
	lead, err := j.GetTrial("s", st.Best.Trial)
	if err != nil || lead.State != journal.TrialDone || len(lead.FoldScores) != cfg.Folds {
		t.Errorf("leader %+v should have run all %d folds (%v)", lead, cfg.Folds, err)
	}
}

// TestBagMembersAreTheFoldModelsTheCVScored: each member of a trial's bag,
// scored on its own fold's validation rows, gives exactly the fold score
// Evaluate journaled — the bag is the model the CV score describes — and
// the bag's prediction is the members' mean.
func TestBagMembersAreTheFoldModelsTheCVScored(t *testing.T) {
	cfg := testConfig()
	s := criteoSearch(t, cfg)
	for _, spec := range []TrialSpec{
		{Model: ModelGBDT, Params: plan.DefaultsFor(ModelGBDT), Seed: 3},
		{Model: ModelLogreg, Params: plan.DefaultsFor(ModelLogreg), Features: "log1p(I5); count(C3)", Seed: 3},
	} {
		out, err := s.Evaluate(context.Background(), spec, 1, Gates{})
		if err != nil {
			t.Fatal(err)
		}
		bag, err := s.Bag(context.Background(), spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(bag.Members) != len(s.Folds) {
			t.Fatalf("%s: %d members for %d folds", spec.Model, len(bag.Members), len(s.Folds))
		}
		fr := s.Frame.Take(s.Folds[0].Valid)
		all, err := bag.Predict(context.Background(), s, fr)
		if err != nil {
			t.Fatal(err)
		}
		mean := make([]float64, len(all))
		for k, m := range bag.Members {
			one := &Fitted{Spec: spec, Members: []final.Member{m}}
			valid := s.Frame.Take(s.Folds[k].Valid)
			p, err := one.Predict(context.Background(), s, valid)
			if err != nil {
				t.Fatal(err)
			}
			got, err := scoreMetric(s.Metric, takeFloats(s.Y, s.Folds[k].Valid), p)
			if err != nil || got != out.FoldScores[k] {
				t.Errorf("%s fold %d: member scores %v, Evaluate journaled %v (%v)", spec.Model, k+1, got, out.FoldScores[k], err)
			}
			p0, _ := one.Predict(context.Background(), s, fr)
			for i, v := range p0 {
				mean[i] += v / float64(len(bag.Members))
			}
		}
		for i := range all {
			if math.Abs(all[i]-mean[i]) > 1e-15 {
				t.Fatalf("%s: bag prediction %v, members' mean %v (row %d)", spec.Model, all[i], mean[i], i)
			}
		}
	}
}

// criteoSearch is the search part of the shipped Criteo sample under cfg.
func criteoSearch(t *testing.T, cfg StudyConfig) *Search {
	t.Helper()
	tab := loadCriteo(t)
	holdout, err := HoldoutRows(tab, cfg.Holdout, "", "", cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSearch(tab, holdout, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPoolShapeFillsTheCoresWithinMemory: one single-threaded trial per
// core while that many fit in the memory budget, else fewer trials with
// the cores split; --workers wins.
func TestPoolShapeFillsTheCoresWithinMemory(t *testing.T) {
	const mb = int64(1) << 20
	for _, c := range []struct {
		workers, cores   int
		perTrial, budget int64
		wantW, wantT     int
	}{
		{0, 2, 620 * mb, 11 << 10 * mb, 2, 1}, // fraud 1M on this machine
		{0, 2, 8 << 10 * mb, 11 << 10 * mb, 1, 2},
		{0, 4, 3 << 10 * mb, 7 << 10 * mb, 2, 2},
		{0, 8, 1, 0, 8, 1}, // no budget: one per core
		{3, 2, 620 * mb, 11 << 10 * mb, 3, 1},
		{1, 4, 1, 1, 1, 4},
	} {
		w, th := poolShape(c.workers, c.cores, c.perTrial, c.budget)
		if w != c.wantW || th != c.wantT {
			t.Errorf("poolShape(%d workers, %d cores, %d MiB per trial, budget %d MiB) = %d × %d, want %d × %d",
				c.workers, c.cores, c.perTrial/mb, c.budget/mb, w, th, c.wantW, c.wantT)
		}
	}
}
