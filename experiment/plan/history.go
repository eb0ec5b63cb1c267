package plan

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"time"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// Proposal is one trial a planner wants run, with its reason.
type Proposal struct {
	Spec       TrialSpec
	Hypothesis string
	// Parent is the trial the proposal changes (0: the base columns);
	// Tune names the parameters later trials of the proposal search.
	// Both are set by the LLM planner; the built-in planner leaves them
	// empty.
	Parent uint64   `json:",omitempty"`
	Tune   []string `json:",omitempty"`
	// ID is the proposal's name in the journal ("round.index"), given
	// when the study accepts it; Of names the proposal a tuning trial
	// continues (its trials then carry that proposal's ID).
	ID string `json:",omitempty"`
	Of string `json:",omitempty"`
}

// Rejection is a proposal a planner or the study refused, with the reason
// in words the next prompt can quote. Spec is whatever was proposed, as
// JSON (it may not be a valid TrialSpec).
type Rejection struct {
	Spec       json.RawMessage
	Hypothesis string
	Reason     string
}

// HistoryTrial is what a planner knows of a past trial.
type HistoryTrial struct {
	ID         uint64
	Spec       TrialSpec
	State      journal.TrialState
	Mean, Std  float64
	FoldScores []float64
	Screen     *float64 // screening-rung score, when the study screens
	Error      string   // failed trials: the error text
	Planner    string   // the planner of the round that proposed it
	Round      uint64
	Hypothesis string
	Proposal   string // the proposal it tests or tunes (Proposal.ID)
	// Seconds is the trial's run time (its journaled total), 0 while
	// unknown; the builtin planner's cost-aware TPE learns from it.
	Seconds float64
	// Data is the version of the study's data it ran on
	// (journal.Trial.Data): fold scores of different versions hold other
	// rows and are never paired.
	Data int
}

// Validator checks a normalised spec exactly as the study will before
// running it (transform language against the search frame, memory
// estimate, duplicates); it returns the reason for rejecting it, or "".
type Validator func(TrialSpec) string

// History is everything a planner may see: the search part's profile, the
// user's task, the trials so far and earlier rejections. It never holds
// holdout data.
type History struct {
	Profile *features.Profile
	Task    string // the study's --task text, as the user wrote it
	Metric  string
	Folds   int
	Trials  []HistoryTrial
	// Rejected are earlier rounds' rejected proposals, oldest first.
	Rejected []Rejection
	// Proposals are the accepted proposals by ID, for planners that
	// follow up their own (the LLM planner's clean test, then tuning).
	Proposals map[string]Proposal
	// TokensSpent is the LLM tokens (in + out) the study's journal
	// records so far.
	TokensSpent int
	// Base holds the study's spec hashes already run, running or
	// queued: the session's own set, read in place (nil: none). Seen
	// holds those this History has accepted since (Accept), which the
	// session adds to Base only when it queues them.
	Base  *SeenSet
	Seen  map[string]bool
	Round int
	Seed  uint64
	// Incumbent is the study's leader (best mean − standard error);
	// 0 before the first finished trial.
	Incumbent uint64
	// Validate is the study's own check; nil accepts every normalised
	// spec (tests, dry runs).
	Validate Validator
	// CostAware makes the builtin planner's TPE choose by expected
	// improvement per predicted second (the study's --cost-aware).
	CostAware bool
	// GBDTParams are set on every GBDT spec Accept takes, over what the
	// planner proposed (the study's --gbdt-quantized sets
	// use_quantized_grad=true): they are part of the spec, so of its hash,
	// and the final model's members keep them.
	GBDTParams map[string]string
}

// Orient turns a score into "higher is better".
func (h *History) Orient(score float64) float64 {
	if HigherIsBetter(h.Metric) {
		return score
	}
	return -score
}

// Best returns the incumbent, or failing that the finished trial with the
// best mean score.
func (h *History) Best() (HistoryTrial, bool) {
	for _, t := range h.Trials {
		if h.Incumbent != 0 && t.ID == h.Incumbent {
			return t, true
		}
	}
	var best HistoryTrial
	found := false
	for _, t := range h.Trials {
		if t.State != journal.TrialDone || math.IsNaN(t.Mean) {
			continue
		}
		if !found || h.Orient(t.Mean) > h.Orient(best.Mean) {
			best, found = t, true
		}
	}
	return best, found
}

// Trial returns the trial with the given ID.
func (h *History) Trial(id uint64) (HistoryTrial, bool) {
	for _, t := range h.Trials {
		if t.ID == id {
			return t, true
		}
	}
	return HistoryTrial{}, false
}

// Accept sets the study's GBDTParams on a GBDT spec, normalises it, checks it with the study's validator and keeps
// it when it is new, marking it seen. The reason is "" when accepted.
func (h *History) Accept(spec TrialSpec) (TrialSpec, string) {
	if spec.Model == ModelGBDT && len(h.GBDTParams) > 0 {
		params := maps.Clone(spec.Params)
		if params == nil {
			params = map[string]string{}
		}
		maps.Copy(params, h.GBDTParams)
		spec.Params = params
	}
	norm, err := spec.Normalize()
	if err != nil {
		return spec, err.Error()
	}
	hash := norm.Hash()
	if h.Seen[hash] || h.Base.Has(hash) {
		return norm, "duplicate: this spec was already proposed in the study"
	}
	if h.Validate != nil {
		if why := h.Validate(norm); why != "" {
			return norm, why
		}
	}
	if h.Seen == nil {
		h.Seen = map[string]bool{}
	}
	h.Seen[hash] = true
	return norm, ""
}

// Result is a planner's answer to one Propose call, with what the round
// journal records of it.
type Result struct {
	Proposals []Proposal
	// Rejected are proposals the planner refused itself (an LLM's
	// invalid or duplicate proposals), with reasons.
	Rejected []Rejection
	// Prompt is the request (an LLM's messages; a built-in planner's
	// account of how it chose); Reply the raw answer.
	Prompt, Reply       string
	TokensIn, TokensOut int
	Latency             time.Duration
	// An LLM call's details: the structured-output path that produced
	// the reply ("json_schema", "json_object" or "text"), whether a
	// repair turn was made, the request's hash (its identity for
	// replay), whether the reply came from the journal instead of the
	// endpoint, and how many HTTP attempts were made.
	Path        string
	Repaired    bool
	RequestHash string
	Replayed    bool
	Attempts    int
	// Notes are events the study journals (a circuit breaker opening,
	// the token budget running out).
	Notes []string
}

// Planner proposes trials. Implementations are stateless between calls
// apart from what they can rebuild from the journal: everything they learn
// comes from the History, so a resumed study plans as if it had never
// stopped.
type Planner interface {
	Name() string
	// Propose returns up to n proposals whose spec hashes are neither in
	// h.Base nor in h.Seen. An error still comes with the Result's journal fields
	// filled as far as the call got.
	Propose(ctx context.Context, h *History, n int) (Result, error)
}
