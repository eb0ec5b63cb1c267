package experiment

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// complementary builds labels for two folds and three candidates: 0 ranks
// the first half of each fold's rows right and guesses on the second, 1
// the other way round, 2 guesses everywhere.
func complementary(rows int) ([][]float64, [][][]float64) {
	r := rand.New(rand.NewPCG(7, 9))
	y := make([][]float64, 2)
	oof := make([][][]float64, 3)
	for c := range oof {
		oof[c] = make([][]float64, 2)
	}
	for k := range y {
		y[k] = make([]float64, rows)
		for c := range oof {
			oof[c][k] = make([]float64, rows)
		}
		for i := range rows {
			if r.Float64() < 0.3 {
				y[k][i] = 1
			}
			good := 0.2 + 0.6*y[k][i] + 0.1*r.Float64()
			first := i < rows/2
			oof[0][k][i], oof[1][k][i] = r.Float64(), r.Float64()
			if first {
				oof[0][k][i] = good
			} else {
				oof[1][k][i] = good
			}
			oof[2][k][i] = r.Float64()
		}
	}
	return y, oof
}

// blendScores recomputes the per-fold metric of a blend from its counts.
func blendScores(t *testing.T, metric string, y [][]float64, oof [][][]float64, counts []int) []float64 {
	t.Helper()
	var out []float64
	for k := range y {
		b := make([]float64, len(y[k]))
		n := 0
		for c, m := range counts {
			n += m
			for i, v := range oof[c][k] {
				b[i] += float64(m) * v
			}
		}
		for i := range b {
			b[i] /= float64(n)
		}
		s, err := scoreMetric(metric, y[k], b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSelectEnsembleBlendsComplementaryModels(t *testing.T) {
	y, oof := complementary(400)
	for _, metric := range []string{MetricAUC, MetricLogLoss} {
		counts, scores, err := selectEnsemble(metric, y, oof, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		if counts[0] == 0 || counts[1] == 0 || counts[2] != 0 {
			t.Errorf("%s: counts %v, want both complementary models and not the guesser", metric, counts)
		}
		want := blendScores(t, metric, y, oof, counts)
		for k := range want {
			if scores[k] != want[k] {
				t.Errorf("%s fold %d: selection reports %v, the blend of %v scores %v", metric, k+1, scores[k], counts, want[k])
			}
		}
		// The blend beats each model alone on the mean over folds.
		mean := func(xs []float64) float64 { m, _ := meanStd(xs); return m }
		for c := range oof {
			single := make([]int, len(oof))
			single[c] = 1
			alone := mean(blendScores(t, metric, y, oof, single))
			if higherIsBetter(metric) == (alone >= mean(scores)) {
				t.Errorf("%s: candidate %d alone scores %v, the selected blend %v", metric, c, alone, mean(scores))
			}
		}
	}
}

func TestSelectEnsembleKeepsItsStartWhenNothingHelps(t *testing.T) {
	y, oof := complementary(400)
	// Start from the two complementary models: adding the guesser only
	// hurts, adding either good one tilts the blend; round 0 may win, and
	// the guesser must never enter.
	counts, _, err := selectEnsemble(MetricAUC, y, oof, []int{1, 1, 0}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if counts[0] < 1 || counts[1] < 1 || counts[2] != 0 {
		t.Errorf("counts %v: the start (1, 1, 0) must be kept and the guesser left out", counts)
	}
	// Zero rounds: the start itself.
	counts, scores, err := selectEnsemble(MetricAUC, y, oof, []int{0, 0, 2}, 0)
	if err != nil || counts[2] != 2 || counts[0]+counts[1] != 0 {
		t.Fatalf("no rounds: counts %v (%v), want the start", counts, err)
	}
	if want := blendScores(t, MetricAUC, y, oof, counts); scores[0] != want[0] {
		t.Errorf("no rounds: score %v, want %v", scores[0], want[0])
	}
	if _, _, err := selectEnsemble(MetricAUC, y, oof, nil, 0); err == nil {
		t.Error("no start and no rounds: want an error")
	}
	if _, _, err := selectEnsemble(MetricAUC, y, [][][]float64{{y[0][:3], y[1]}}, nil, 1); err == nil || !strings.Contains(err.Error(), "fold 1") {
		t.Errorf("short predictions: %v, want an error naming the fold", err)
	}
}

func TestEnsembleCandidatesFollowRankAndCost(t *testing.T) {
	tr := func(id uint64, state journal.TrialState, secs float64) journal.Trial {
		return journal.Trial{ID: id, State: state, Timings: map[string]float64{journal.PhaseTotal: secs}}
	}
	board := []journal.Trial{tr(5, journal.TrialDone, 50), tr(2, journal.TrialDone, 40), tr(9, journal.TrialDone, 5), tr(3, journal.TrialDone, 5), tr(4, journal.TrialDone, 5)}
	all := append([]journal.Trial{tr(7, journal.TrialPruned, 95)}, board...) // 200 s in all
	got := ensembleCandidates(board, all, EnsembleOptions{Candidates: 3, CostShare: 0.5}.withDefaults())
	// 100 s allowed: #5 (50), #2 (40) → 90; #9 (5) → 95; the cap of 3 stops there.
	if len(got) != 3 || got[0].ID != 5 || got[1].ID != 2 || got[2].ID != 9 {
		t.Errorf("candidates %v, want #5 #2 #9", ids(got))
	}
	got = ensembleCandidates(board, all, EnsembleOptions{Candidates: 8, CostShare: 0.1}.withDefaults())
	// 20 s allowed: the leader always; #2 skipped (cost); #9, #3 fit (60 s > 20 s after the leader: no).
	if len(got) != 1 || got[0].ID != 5 {
		t.Errorf("candidates %v, want the leader alone (it alone exceeds the share)", ids(got))
	}
	got = ensembleCandidates(board, all, EnsembleOptions{Candidates: 8, CostShare: 0.3}.withDefaults())
	// 60 s: #5 (50), #2 skipped, #9 (55), #3 (60), #4 over.
	if len(got) != 3 || got[2].ID != 3 {
		t.Errorf("candidates %v, want #5 #9 #3", ids(got))
	}
}

func ids(ts []journal.Trial) []uint64 {
	var out []uint64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

// TestEnsembleHoldoutOnCriteo: a short study on the shipped Criteo sample,
// then ScoreHoldout's ensemble: its weights sum to 1 over the trials it
// names, its CV is its blend's out-of-fold score (at least the tied start's
// and recomputable from the parts' bags), its holdout prediction is the
// weighted mean of the parts' bags, it is journaled as a holdout read, and
// a second call gives the same figures and is journaled as a repeat.
func TestEnsembleHoldoutOnCriteo(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	db := filepath.Join(t.TempDir(), "j.db")
	cfg := testConfig()
	cfg.MaxTrials = 8
	if _, err := Run(context.Background(), RunOptions{DB: db, Study: "e", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(db, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	opts := HoldoutOptions{Top: 2, Threads: 1, Ensemble: EnsembleOptions{CostShare: 10}}
	firstRes, err := ScoreHoldout(context.Background(), j, "e", opts)
	if err != nil {
		t.Fatal(err)
	}
	first := firstRes.Scores
	if len(first) != 3 || first[0].Final != FinalEnsemble || first[1].Final != FinalBag {
		t.Fatalf("rows %+v: want the ensemble then 2 bags", first)
	}
	ens := first[0]
	sum := 0.0
	for _, p := range ens.Parts {
		sum += p.Weight
		if p.Weight <= 0 {
			t.Errorf("part %+v has no weight", p)
		}
	}
	if math.Abs(sum-1) > 1e-12 || ens.Trial != ens.Parts[0].Trial {
		t.Errorf("parts %+v: weights sum to %v, trial %d", ens.Parts, sum, ens.Trial)
	}
	t.Logf("ensemble %s: CV %.4f, holdout AUC %.4f", DescribeParts(ens.Parts), float64(ens.CV), ens.Holdout.AUC)
	againRes, err := ScoreHoldout(context.Background(), j, "e", opts)
	if err != nil {
		t.Fatal(err)
	}
	again := againRes.Scores
	if again[0].Holdout.AUC != ens.Holdout.AUC || again[0].CV != ens.CV || DescribeParts(again[0].Parts) != DescribeParts(ens.Parts) {
		t.Errorf("second call: %+v, first %+v", again[0], ens)
	}
	reads, err := j.ListHoldoutReads("e")
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 2 || reads[0].Standing != journal.ReadVerdict || reads[1].Standing != journal.ReadRepeat || reads[1].RepeatOf != 1 {
		t.Fatalf("reads %+v: want the verdict, then a repeat of it", reads)
	}
	m := reads[0].Models[0]
	if m.Role != "final" || m.Final != FinalEnsemble || studyview.DescribeHoldoutParts(m.Parts) != DescribeParts(ens.Parts) || m.Metrics[MetricAUC].Value != ens.Holdout.AUC || m.Metrics[MetricAUC].SE != ens.Holdout.AUCStdErr {
		t.Errorf("read 1's ensemble: %+v", m)
	}
	// The report's curves for every model, the importance for the final one.
	if m.Curves == nil || len(m.Curves.ROC) < 3 || len(m.Curves.Calibration) == 0 || len(m.Importance) == 0 || m.Importance[0].Gain <= 0 {
		t.Errorf("read 1's ensemble has curves %v and importance %v", m.Curves, m.Importance)
	}
	if len(reads[0].Models) > 1 && (reads[0].Models[1].Curves == nil || reads[0].Models[1].Importance != nil) {
		t.Errorf("a top trial's model: curves %v, importance %v (want curves, no importance)", reads[0].Models[1].Curves, reads[0].Models[1].Importance)
	}
	for _, p := range m.Parts {
		if tr, err := j.GetTrial("e", p.Trial); err != nil || tr.SpecHash != p.SpecHash || tr.Seed != p.Seed || tr.Holdout != nil {
			t.Errorf("part %+v: trial %+v, %v", p, tr, err)
		}
	}

	// The ensemble's holdout prediction is the weighted mean of its parts'
	// bags, and its CV the blend's out-of-fold score.
	tab := loadCriteo(t)
	_, scfg, err := readStudy(j, "e")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSearch(tab, scfg.HoldoutRows, &scfg)
	if err != nil {
		t.Fatal(err)
	}
	hold := tab.Frame.Take(scfg.HoldoutRows)
	blend := make([]float64, hold.Rows)
	y := make([][]float64, len(s.Folds))
	for k := range s.Folds {
		y[k] = takeFloats(s.Y, s.Folds[k].Valid)
	}
	var oof [][][]float64
	var counts []int
	for _, p := range ens.Parts {
		tr, err := j.GetTrial("e", p.Trial)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := trialSpec(tr)
		if err != nil {
			t.Fatal(err)
		}
		f, o, err := s.bag(context.Background(), spec, nil, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := f.Predict(context.Background(), s, hold)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range pr {
			blend[i] += p.Weight * v
		}
		oof = append(oof, o)
		counts = append(counts, int(math.Round(p.Weight*1e6)))
	}
	auc, err := scoreMetric(MetricAUC, takeFloats(tab.Target.Y, scfg.HoldoutRows), blend)
	if err != nil || math.Abs(auc-ens.Holdout.AUC) > 1e-12 {
		t.Errorf("weighted mean of the parts' bags: holdout AUC %v, the ensemble reported %v (%v)", auc, ens.Holdout.AUC, err)
	}
	cv, _ := meanStd(blendScores(t, MetricAUC, y, oof, counts))
	if math.Abs(cv-float64(ens.CV)) > 1e-9 {
		t.Errorf("blend of the parts' out-of-fold predictions scores %v, the ensemble's CV is %v", cv, ens.CV)
	}
}
