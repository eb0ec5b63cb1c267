package planner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// BenchmarkBuiltinPropose is the builtin planner's cost per round of four
// proposals as a study grows (issue 20: the trial rate fell over a long
// study). Trials: two thirds logreg, half on the incumbent's features,
// 85% pruned.
func BenchmarkBuiltinPropose(b *testing.B) {
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			h := &plan.History{Profile: &features.Profile{}, Metric: plan.MetricAUC, Folds: 5, Seed: 42, Seen: map[string]bool{}}
			for i := 0; i < n; i++ {
				model := plan.ModelLogreg
				if i%3 == 0 {
					model = plan.ModelGBDT
				}
				feats := ""
				if i%2 == 0 {
					feats = "ratio(V14, V4)"
				}
				t := plan.HistoryTrial{ID: uint64(i + 1), Spec: plan.TrialSpec{Model: model, Features: feats, Params: plan.RandomParams(model, rng), Seed: 42},
					State: journal.TrialPruned, FoldScores: []float64{0.95 + 0.04*rng.Float64()}}
				if i%7 == 0 {
					t.State, t.FoldScores = journal.TrialDone, []float64{0.96, 0.97, 0.95, 0.96, 0.97}
				}
				t.Mean = t.FoldScores[0]
				h.Trials = append(h.Trials, t)
				h.Seen[t.Spec.Hash()] = true
			}
			h.Incumbent = 8
			for b.Loop() {
				h.Round++
				if _, err := Builtin().Propose(context.Background(), h, 4); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
