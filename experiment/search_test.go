package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/experiment/planner"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

const shippedCriteo = "../testdata/data/criteo_200.csv"

func loadCriteo(t *testing.T) *Table {
	t.Helper()
	tab, err := LoadTable(TableSpec{Path: shippedCriteo, Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func testConfig() StudyConfig {
	return StudyConfig{Config: studyview.Config{Data: shippedCriteo, Target: "label", Metric: MetricAUC, Holdout: 0.2, Folds: 3, Seed: 7,
		Planner: "builtin", Workers: 1, MaxTrials: 6, TrialTimeout: Duration(time.Minute)}}
}

// sequentialSearch runs n planner proposals one after another, the way a
// single worker would, and returns the specs and fold scores.
func sequentialSearch(t *testing.T, s *Search, n int) ([]TrialSpec, [][]float64) {
	t.Helper()
	builtin := planner.Builtin()
	h := &plan.History{Profile: s.Profile, Metric: s.Metric, Folds: len(s.Folds), Seen: map[string]bool{}, Seed: s.Seed}
	var specs []TrialSpec
	var scores [][]float64
	for len(specs) < n {
		res, err := builtin.Propose(context.Background(), h, 2)
		if err != nil || len(res.Proposals) == 0 {
			t.Fatalf("propose: %v (%d)", err, len(res.Proposals))
		}
		for _, p := range res.Proposals {
			out, err := s.Evaluate(context.Background(), p.Spec, 1, Gates{})
			if err != nil {
				t.Fatalf("evaluate %s: %v", p.Spec.Features, err)
			}
			m, sd := meanStd(out.FoldScores)
			h.Trials = append(h.Trials, plan.HistoryTrial{ID: uint64(len(h.Trials) + 1), Spec: p.Spec, State: journal.TrialDone, Mean: m, Std: sd, FoldScores: out.FoldScores})
			specs = append(specs, p.Spec)
			scores = append(scores, out.FoldScores)
		}
		h.Round++
	}
	return specs, scores
}

// TestHoldoutPoisoningChangesNothing flips every holdout label: the search's
// profile, proposals and fold scores must be bit-identical, since nothing
// in the search may read a holdout row.
func TestHoldoutPoisoningChangesNothing(t *testing.T) {
	cfg := testConfig()
	clean := loadCriteo(t)
	holdout, err := HoldoutRows(clean, cfg.Holdout, "", "", cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	poisoned := loadCriteo(t)
	target := *poisoned.Target
	target.Y = append([]float64(nil), target.Y...)
	for _, r := range holdout {
		target.Y[r] = 1 - target.Y[r]
	}
	poisoned.Target = &target

	s1, err := NewSearch(clean, holdout, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := NewSearch(poisoned, holdout, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := json.Marshal(s1.Profile)
	p2, _ := json.Marshal(s2.Profile)
	if string(p1) != string(p2) {
		t.Fatalf("the planner's profile changed with the holdout labels")
	}
	specs1, scores1 := sequentialSearch(t, s1, 6)
	specs2, scores2 := sequentialSearch(t, s2, 6)
	if !reflect.DeepEqual(specs1, specs2) {
		t.Errorf("proposals differ:\n%v\n%v", specs1, specs2)
	}
	for i := range scores1 {
		for k := range scores1[i] {
			if math.Float64bits(scores1[i][k]) != math.Float64bits(scores2[i][k]) {
				t.Fatalf("trial %d fold %d: %v vs %v", i, k, scores1[i][k], scores2[i][k])
			}
		}
	}
	if len(s1.Frame.Columns) == 0 || s1.Frame.Rows != clean.Frame.Rows-len(holdout) {
		t.Errorf("search part has %d rows, want %d", s1.Frame.Rows, clean.Frame.Rows-len(holdout))
	}
}

func TestRunThenResumeContinuesWithoutDuplicates(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "j.db")
	cfg := testConfig()
	cfg.MaxTrials = 4
	sum, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trials.Total() != 4 || sum.StopReason != "trial limit reached" {
		t.Fatalf("first session: %+v", sum)
	}
	sum, err = Run(context.Background(), RunOptions{DB: db, Study: "s", Resume: true, MaxTrials: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trials.Total() != 7 {
		t.Fatalf("after resume: %d trials, want 7", sum.Trials.Total())
	}
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	trials, _ := j.ListTrials("s")
	seen := map[string]bool{}
	for _, tr := range trials {
		if seen[tr.SpecHash] {
			t.Errorf("spec %s ran twice", tr.SpecHash)
		}
		seen[tr.SpecHash] = true
		if tr.State == journal.TrialDone && len(tr.FoldScores) != 3 {
			t.Errorf("trial %d: %d fold scores", tr.ID, len(tr.FoldScores))
		}
	}
	st, err := studyview.ReadStatus(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	if st.Trials.Done+st.Trials.Pruned+st.Trials.Failed != 7 || st.Best == nil || st.State != "finished" {
		t.Errorf("status %+v", st)
	}
}

// TestResumeSaysWhatItReQueues: a session stopped cleanly by its trial
// limit after the first of the planner's first-round proposals leaves the
// others planned but never started; resume runs them first and says so,
// without calling them interrupted trials (it said "2 interrupted trials
// re-queued" of a study in which nothing was interrupted).
func TestResumeSaysWhatItReQueues(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	cfg := testConfig()
	cfg.MaxTrials = 1
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Resume: true, MaxTrials: 1}); err != nil {
		t.Fatal(err)
	}
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	events, _ := j.ListEvents("s")
	resumed := false
	for _, e := range events {
		if e.Kind == journal.EventResume {
			resumed = true
			if !strings.HasPrefix(e.Message, "resume: 0 interrupted trials and ") || !strings.Contains(e.Message, " planned but never started re-queued") {
				t.Errorf("resume event %q: want no interrupted trial and the planned ones counted apart", e.Message)
			}
		}
	}
	if !resumed {
		t.Error("no resume event")
	}
}

func TestRunRefusesChangedDataAndUnknownStudy(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	raw, err := os.ReadFile(shippedCriteo)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "j.db")
	cfg := testConfig()
	cfg.Data, cfg.MaxTrials = data, 1
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, append(raw, raw[len(raw)-200:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), RunOptions{DB: db, Study: "s", Resume: true, MaxTrials: 1})
	if !errors.Is(err, ErrDataChanged) {
		t.Errorf("changed data: %v, want ErrDataChanged", err)
	}
	_, err = Run(context.Background(), RunOptions{DB: db, Study: "nope", Resume: true, MaxTrials: 1})
	if !errors.Is(err, journal.ErrUnknownStudy) {
		t.Errorf("unknown study: %v", err)
	}
}

func TestCompareFoldsNeedsAPairedWin(t *testing.T) {
	inc := []float64{0.80, 0.82, 0.78, 0.81, 0.79}
	noisy := []float64{0.83, 0.80, 0.80, 0.80, 0.80} // higher mean, not consistent
	steady := []float64{0.81, 0.83, 0.79, 0.82, 0.80}
	if c := compareFolds(MetricAUC, noisy, inc, 1); c.Better {
		t.Errorf("noisy challenger declared better: %s", c.Verdict)
	}
	if c := compareFolds(MetricAUC, steady, inc, 1); !c.Better {
		t.Errorf("steady +0.01 on every fold not better: %s", c.Verdict)
	}
	if c := compareFolds(MetricLogLoss, []float64{0.30, 0.31, 0.29}, []float64{0.32, 0.33, 0.31}, 1); !c.Better {
		t.Errorf("lower log loss not better: %s", c.Verdict)
	}
	// Differences +0.02, 0, -0.005, +0.015, +0.01: the plain paired t is
	// 1.73 (> 1.533), the Nadeau–Bengio corrected one 1.15 — not a win.
	marginal := []float64{0.82, 0.82, 0.775, 0.825, 0.80}
	if c := compareFolds(MetricAUC, marginal, inc, 1); c.Better || math.Abs(c.T-1.1504) > 1e-3 {
		t.Errorf("marginal challenger: better=%v t=%.4f, want not better at t≈1.1504: %s", c.Better, c.T, c.Verdict)
	}
}

func TestSpecHashIgnoresSpellingAndOrder(t *testing.T) {
	a, err := TrialSpec{Model: ModelGBDT, Features: "count(C1);  log1p(I2)", Params: map[string]string{"num_leaves": "31"}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	b, err := TrialSpec{Model: ModelGBDT, Features: "log1p(I2); count(C1)", Params: map[string]string{" num_leaves ": "31"}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Errorf("same spec, different hashes:\n%s\n%s", a.CanonicalJSON(), b.CanonicalJSON())
	}
	if _, err := (TrialSpec{Model: ModelGBDT, Params: map[string]string{"num_leaves": "1"}}).Normalize(); err == nil {
		t.Error("num_leaves=1 accepted")
	}
}

func TestTimeColHoldoutIsTheLatestRowsAndFoldsLookBackOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.csv")
	var b strings.Builder
	b.WriteString("ts,amount,merchant,y\n")
	for i := 0; i < 600; i++ {
		// rows out of time order on purpose
		ts := (i * 7919) % 600
		fmt.Fprintf(&b, "%d,%d,m%d,%d\n", 1_700_000_000+ts*60, (i*31)%97, i%7, (i*13)%5/4)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := LoadTable(TableSpec{Path: path, Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := StudyConfig{Config: studyview.Config{Data: path, Target: "y", Metric: MetricAUC, Holdout: 0.2, Folds: 3, TimeCol: "ts", Seed: 1}}
	hold, err := HoldoutRows(tab, cfg.Holdout, cfg.TimeCol, "", cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	ts := tab.Frame.Col("ts").Num
	isHold := map[int]bool{}
	minHold := math.Inf(1)
	for _, r := range hold {
		isHold[r] = true
		minHold = math.Min(minHold, ts[r])
	}
	for i, v := range ts {
		if !isHold[i] && v >= minHold {
			t.Fatalf("search row %d at %v is not earlier than the holdout (from %v)", i, v, minHold)
		}
	}
	s, err := NewSearch(tab, hold, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.base.Features {
		if f.Name == "ts" {
			t.Error("the time column is a raw feature of the base design")
		}
	}
	out, err := s.Evaluate(context.Background(), TrialSpec{Model: ModelLogreg, Features: "hour(ts)", Params: map[string]string{"C": "1"}}, 1, Gates{})
	if err != nil || len(out.FoldScores) != 3 {
		t.Fatalf("a trial reading the time column: %v %+v", err, out)
	}
	sts := s.Frame.Col("ts").Num
	for k, f := range s.Folds {
		maxTrain := math.Inf(-1)
		for _, r := range f.Train {
			maxTrain = math.Max(maxTrain, sts[r])
		}
		for _, r := range f.Valid {
			if sts[r] <= maxTrain {
				t.Fatalf("fold %d: validation row at %v is not after every training row (latest %v)", k, sts[r], maxTrain)
			}
		}
	}
}

func TestLeaderIsTheBestLowerBound(t *testing.T) {
	tr := func(id uint64, scores ...float64) journal.Trial {
		m, s := meanStd(scores)
		return journal.Trial{ID: id, State: journal.TrialDone, FoldScores: scores, Mean: m, Std: s}
	}
	trials := []journal.Trial{
		tr(1, 0.90, 0.91, 0.90, 0.91, 0.90),
		tr(2, 0.99, 0.80, 0.99, 0.82, 0.99), // higher mean (0.918), one lucky pattern: wide spread
		tr(3, 0.92, 0.92, 0.93, 0.92, 0.92), // steady and best
		{ID: 4, State: journal.TrialPruned, FoldScores: []float64{0.99, 0.99}, Mean: 0.99},
	}
	lead, ok := leaderOf(MetricAUC, trials)
	if !ok || lead.ID != 3 {
		t.Errorf("leader #%d, want #3 (best mean − SE; pruned trials never lead)", lead.ID)
	}
	inc, _ := incumbentOf(MetricAUC, trials)
	if inc.ID != 3 {
		t.Errorf("incumbent #%d, want #3: +0.016 on every fold is a paired win", inc.ID)
	}
	if lead, _ := leaderOf(MetricLogLoss, []journal.Trial{tr(1, 0.30, 0.31), tr(2, 0.20, 0.21)}); lead.ID != 2 {
		t.Errorf("log loss leader #%d, want the lower loss #2", lead.ID)
	}
}
