package experiment

import (
	"context"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/experiment/planner"
)

// DryRunResult is the LLM planner's first request for a new study.
type DryRunResult struct {
	Prompt planner.Prompt
	// Sections names the prompt's parts in order, for the token shares.
	Sections []string
}

// DryRun prepares a study exactly as run would — the table, the holdout
// removed, the folds, the search part's profile — and builds the LLM
// planner's first prompt. It sends nothing, needs no API key and writes
// no journal.
func DryRun(ctx context.Context, cfg StudyConfig) (*DryRunResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tab, err := LoadTable(TableSpec{Path: cfg.Data, Target: cfg.Target, Positive: cfg.Positive, Load: cfg.Load})
	if err != nil {
		return nil, err
	}
	if cfg.HoldoutRows, err = HoldoutRows(tab, cfg.Holdout, cfg.TimeCol, cfg.HoldoutSplit, cfg.Seed); err != nil {
		return nil, err
	}
	cfg.Folds = resolveFolds(cfg.Folds, tab.Frame.Rows-len(cfg.HoldoutRows))
	search, err := NewSearch(tab, cfg.HoldoutRows, &cfg)
	if err != nil {
		return nil, err
	}
	llm := cfg.LLM.WithDefaults()
	h := &plan.History{Profile: search.Profile, Task: cfg.Task, Metric: cfg.Metric, Folds: len(search.Folds), Seen: map[string]bool{}, Seed: cfg.Seed,
		GBDTParams: cfg.gbdtParams()}
	return &DryRunResult{Prompt: planner.BuildPrompt(h, llm.Proposals, llm.PromptTokens),
		Sections: []string{"role", "reference", "models", "rules", "profile", "leaderboard", "recent", "notebook", "rejected", "failures", "ask"}}, nil
}
