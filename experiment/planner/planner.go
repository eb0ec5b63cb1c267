package planner

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// Env is what a planner takes from its process rather than from the
// stored study: the environment (for the API key), the replies already
// journaled (by request hash, so a resumed study replays them instead of
// sending the request again), and the first retry's backoff (1 s when
// zero; tests shorten it).
type Env struct {
	Getenv    func(string) string
	Replies   map[string]string
	RetryBase time.Duration
	// Path is the structured-output path the study's last LLM round
	// used, so a resumed study does not probe a refusing endpoint again.
	Path string
	// Sending is told each request's hash before it is sent (the study
	// journals it); InFlight holds the hashes sent whose reply was never
	// journaled (the study stopped meanwhile): sending one again is noted.
	Sending  func(hash string) error
	InFlight map[string]bool
}

// NewPlanner returns the planner cfg names.
func NewPlanner(cfg Config, env Env) (plan.Planner, error) {
	switch cfg.Name {
	case "builtin", "":
		return Builtin(), nil
	case "random":
		return randomPlanner{}, nil
	case "llm":
		if cfg.LLM == nil {
			return nil, fmt.Errorf("--planner llm: no LLM settings (--llm-model)")
		}
		return newLLM(*cfg.LLM, env)
	}
	return nil, fmt.Errorf("--planner %q: want builtin, random or llm", cfg.Name)
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
