package planner

import (
	"slices"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/journal"
)

func TestObservationsRankFinishedAbovePrunedAboveScreened(t *testing.T) {
	sc := func(x float64) *float64 { return &x }
	p := func(lr string) plan.TrialSpec {
		return plan.TrialSpec{Model: plan.ModelGBDT, Params: map[string]string{"learning_rate": lr}}
	}
	h := &plan.History{Metric: plan.MetricAUC, Folds: 3, Trials: []plan.HistoryTrial{
		{Spec: p("0.9"), State: journal.TrialPruned, Screen: sc(0.99)},                                          // screened out, high screen
		{Spec: p("0.8"), State: journal.TrialPruned, Screen: sc(0.80), FoldScores: []float64{0.95}, Mean: 0.95}, // pruned at fold 1
		{Spec: p("0.7"), State: journal.TrialDone, Screen: sc(0.70), FoldScores: []float64{0.7, 0.7, 0.7}, Mean: 0.7},
		{Spec: p("0.6"), State: journal.TrialDone, FoldScores: []float64{0.8, 0.8, 0.8}, Mean: 0.8},
		{Spec: p("0.5"), State: journal.TrialFailed, Screen: sc(0.99)},
	}}
	obs := observations(h, plan.ModelGBDT)
	slices.SortStableFunc(obs, func(a, b observation) int {
		if a.better(b) {
			return -1
		}
		if b.better(a) {
			return 1
		}
		return 0
	})
	var order []string
	for _, o := range obs {
		order = append(order, o.params["learning_rate"])
	}
	if want := []string{"0.6", "0.7", "0.8", "0.9"}; !slices.Equal(order, want) {
		t.Errorf("observation order %v, want %v", order, want)
	}
}

func TestNearDuplicateParamsAreNotProposedAgain(t *testing.T) {
	h := &plan.History{Trials: []plan.HistoryTrial{{ID: 1, Spec: plan.TrialSpec{Model: plan.ModelLogreg, Features: "length(text)", Params: map[string]string{"C": "0.07", "penalty": "l2"}}}}}
	if !nearDuplicate(h, plan.ModelLogreg, "length(text)", map[string]string{"C": "0.0705", "penalty": "l2"}) {
		t.Error("C=0.0705 next to C=0.07 (same features, penalty) not flagged")
	}
	for _, p := range []map[string]string{{"C": "0.2", "penalty": "l2"}, {"C": "0.07", "penalty": "l1"}} {
		if nearDuplicate(h, plan.ModelLogreg, "length(text)", p) {
			t.Errorf("%v flagged as a duplicate of C=0.07 l2", p)
		}
	}
	if nearDuplicate(h, plan.ModelLogreg, "length(text); word_count(text)", map[string]string{"C": "0.07", "penalty": "l2"}) {
		t.Error("other features flagged as a duplicate")
	}
}
