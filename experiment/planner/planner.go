package planner

import (
	"fmt"
	"math/rand/v2"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// NewPlanner returns the planner cfg names.
func NewPlanner(cfg Config) (plan.Planner, error) {
	switch cfg.Name {
	case "builtin", "":
		return Builtin(), nil
	case "random":
		return randomPlanner{}, nil
	}
	return nil, fmt.Errorf("planner %q: want builtin or random", cfg.Name)
}

// Builtin returns the offline planner, the one every study falls back to.
func Builtin() plan.Planner { return builtinPlanner{} }

func roundRNG(h *plan.History) *rand.Rand {
	return rand.New(rand.NewPCG(h.Seed, uint64(h.Round)*0x9e3779b97f4a7c15+uint64(len(h.Trials))))
}

// accept normalises and validates spec and keeps it when it is new.
func accept(h *plan.History, spec plan.TrialSpec, why string) (plan.Proposal, bool) {
	norm, reason := h.Accept(spec)
	if reason != "" {
		return plan.Proposal{}, false
	}
	return plan.Proposal{Spec: norm, Hypothesis: why}, true
}
