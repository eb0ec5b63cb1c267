package planner

import (
	"context"
	"fmt"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// randomPlanner is the baseline: uniform parameters, a random model kind
// and a random subset of the profile's feature moves.
type randomPlanner struct{}

func (randomPlanner) Name() string { return "random" }

func (randomPlanner) Propose(_ context.Context, h *plan.History, n int) (plan.Result, error) {
	rng := roundRNG(h)
	moves := FeatureMoves(h.Profile)
	var out []plan.Proposal
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		model := []string{plan.ModelGBDT, plan.ModelLogreg}[rng.IntN(2)]
		var chosen []Move
		for _, m := range moves {
			if m.Required || rng.IntN(2) == 0 {
				chosen = append(chosen, m)
			}
		}
		spec := plan.TrialSpec{Model: model, Params: plan.RandomParams(model, rng), Features: joinMoves(chosen), Seed: h.Seed}
		if p, ok := accept(h, spec, "random draw"); ok {
			out = append(out, p)
		}
	}
	return plan.Result{Proposals: out, Prompt: fmt.Sprintf("random: %d proposals drawn uniformly", len(out))}, nil
}
