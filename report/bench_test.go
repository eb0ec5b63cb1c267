package report

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// bigStudy is an in-memory snapshot of an 8-hour study with n trials (a
// third pruned, 2% failed), one round per trial and a holdout read with
// curves: what `report` renders after a long night, without the journal's
// fsyncs to set it up.
func bigStudy(tb testing.TB, n int) *studyview.Study {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	cfg, _ := json.Marshal(studyview.Config{Data: "fraud.csv", Target: "is_fraud", Metric: "auc", Holdout: 0.2, Folds: 5, Planner: "builtin", Budget: studyview.Duration(8 * time.Hour)})
	var cols []map[string]any
	for c := range 40 {
		cols = append(cols, map[string]any{"name": fmt.Sprintf("col%d", c), "kind": "numeric", "missing_rate": 0.01, "distinct": 1000, "auc": 0.5 + float64(c)/100})
	}
	prof, _ := json.Marshal(map[string]any{"rows": 800000, "positives": 8000, "positive": "1", "label_rate": 0.01, "columns": cols})
	snap := journal.Snapshot{Study: journal.Study{Name: "big", State: journal.StudyFinished, ConfigVersion: 1, Config: cfg, Profile: prof, Created: t0},
		Events: []journal.Event{{ID: 1, Kind: journal.EventStart, Time: t0}, {ID: 2, Kind: journal.EventFinish, Time: t0.Add(8 * time.Hour)}}}
	r := rand.New(rand.NewPCG(1, 2))
	feats := []string{"", "log1p(col1)", "count(col2)", "count(col2); log1p(col1)", "ratio(col3, col4)"}
	for i := 1; i <= n; i++ {
		lr := 0.01 + r.Float64()*0.2
		folds := make([]float64, 5)
		for k := range folds {
			folds[k] = 0.9 + 0.05*math.Tanh(lr*10) + 0.01*r.NormFloat64()
		}
		tr := journal.Trial{ID: uint64(i), State: journal.TrialDone, SpecHash: "s" + strconv.Itoa(i), Model: "gbdt", Features: feats[r.IntN(len(feats))],
			Params:     map[string]string{"learning_rate": strconv.FormatFloat(lr, 'g', 4, 64), "num_leaves": strconv.Itoa(8 + r.IntN(120)), "lambda_l2": strconv.FormatFloat(r.Float64(), 'g', 3, 64)},
			FoldScores: folds, Timings: map[string]float64{"total": 10 + 20*r.Float64()}, Round: uint64(i), Hypothesis: "TPE over gbdt parameters",
			Verdict: "not significantly better than #1", Started: t0.Add(time.Duration(i) * 14 * time.Second), Finished: t0.Add(time.Duration(i)*14*time.Second + 25*time.Second)}
		switch x := r.Float64(); {
		case x < 0.02:
			tr.State, tr.FoldScores, tr.Error = journal.TrialFailed, nil, "out of memory"
		case x < 0.33:
			tr.State, tr.FoldScores, tr.Error = journal.TrialPruned, folds[:2], "pruned after 2 folds"
		}
		tr.Mean, tr.Std = meanStdOf(tr.FoldScores)
		snap.Trials = append(snap.Trials, tr)
		snap.Rounds = append(snap.Rounds, journal.Round{ID: uint64(i), Planner: "builtin", Time: tr.Started,
			Accepted: []journal.Proposal{{SpecHash: tr.SpecHash, Hypothesis: tr.Hypothesis}}})
	}
	roc := make([]journal.CurvePoint, 201)
	for k := range roc {
		x := float64(k) / 200
		roc[k] = journal.CurvePoint{X: x, Y: math.Sqrt(x)}
	}
	snap.HoldoutReads = []journal.HoldoutRead{{ID: 1, Time: t0.Add(9 * time.Hour), Standing: journal.ReadVerdict, Metric: "auc", Rows: 200000, Positives: 2000,
		Models: []journal.HoldoutModel{{Role: "final", Final: "ensemble", Parts: []journal.HoldoutPart{{Trial: 1, Weight: 0.5}, {Trial: 2, Weight: 0.5}},
			Metrics: map[string]journal.Figure{"auc": {Value: 0.95, SE: 0.002}}, CV: 0.95, CVStd: 0.01,
			Curves:     &journal.Curves{ROC: roc, PR: roc, Calibration: []journal.CalibrationBin{{Predicted: 0.01, Observed: 0.01, Rows: 190000}, {Predicted: 0.5, Observed: 0.45, Rows: 10000}}},
			Importance: []journal.FeatureGain{{Feature: "col1", Gain: 0.6}, {Feature: "col2", Gain: 0.4}}}}}}
	s, err := studyview.FromSnapshot(snap)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func meanStdOf(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	m, v := 0.0, 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) < 2 {
		return m, math.NaN()
	}
	return m, math.Sqrt(v / float64(len(xs)-1))
}

// BenchmarkReport2000Trials builds and renders the report of a
// 2,000-trial study (both files, in memory).
func BenchmarkReport2000Trials(b *testing.B) {
	s := bigStudy(b, 2000)
	b.ResetTimer()
	for b.Loop() {
		doc, err := Build(s, Options{DB: "j.db"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := doc.Notebook(); err != nil {
			b.Fatal(err)
		}
		_ = doc.HTML()
	}
}
