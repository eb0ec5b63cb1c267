package studyview

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// Status is `status --study NAME --json` (design.md's stable keys).
type Status struct {
	Study string `json:"study"`
	State string `json:"state"`
	// Reason is why a failed study failed ("every trial failed: 3 ×
	// timed out after 1ns (--trial-timeout)"), from its last end event.
	Reason string       `json:"reason,omitempty"`
	Trials StatusCounts `json:"trials"`
	Best   *StatusBest  `json:"best"`
	// Planner and the LLM tokens spent (in + out).
	Planner   string `json:"planner"`
	LLMTokens int    `json:"llm_tokens"`
	// LLMCircuit is the LLM planner's last circuit-breaker event (time
	// and message), when it opened during the study.
	LLMCircuit string  `json:"llm_circuit,omitempty"`
	Metric     string  `json:"metric"`
	Data       string  `json:"data"`
	Elapsed    float64 `json:"elapsed_seconds"`
	Writer     string  `json:"writer,omitempty"` // "pid N" while a run holds the journal
	Created    string  `json:"created"`
	// Holdout is what the study's holdout reads are worth: the verdict
	// and the re-reads.
	Holdout HoldoutReads `json:"holdout"`
	// ImprovedAt is when the incumbent last changed (its last
	// "incumbent" event; absent in studies from before those events):
	// "no significant improvement since" then.
	ImprovedAt *time.Time `json:"improved_at,omitempty"`
}

// StatusCounts are trials per state.
type StatusCounts struct {
	Done        int `json:"done"`
	Failed      int `json:"failed"`
	Pruned      int `json:"pruned"`
	Running     int `json:"running"`
	Interrupted int `json:"interrupted"`
}

// StatusBest is the study's pick (the leader).
type StatusBest struct {
	Trial uint64 `json:"trial"`
	Score Num    `json:"score"`
	Std   Num    `json:"std"`
}

// Event kinds the LLM planner's study writes: a hypothesis's verdict
// and a change of the circuit breaker.
const (
	EventVerdict journal.EventKind = "verdict"
	EventCircuit journal.EventKind = "circuit"
	// EventIncumbent: a trial became the incumbent (a confirmed win).
	EventIncumbent journal.EventKind = "incumbent"
)

// Status summarises the study.
func (s *Study) Status() *Status {
	c := s.Counts()
	in, out := s.Tokens()
	st := &Status{Study: s.Study.Name, Planner: s.Config.Planner, LLMTokens: in + out, Metric: s.Config.Metric,
		Data: s.Config.Data, Created: s.Study.Created.UTC().Format(time.RFC3339),
		Trials:  StatusCounts(c),
		Elapsed: s.Elapsed().Seconds(), Holdout: SummarizeHoldoutReads(s.HoldoutReads)}
	state, running := s.State()
	st.State = string(state)
	if running {
		st.Writer = fmt.Sprintf("pid %d", s.Writer.PID)
	}
	for _, e := range s.Events {
		if e.Kind == EventCircuit {
			st.LLMCircuit = e.Time.UTC().Format(time.RFC3339) + " " + e.Message
		}
		if f := e.Details[journal.DetailFailure]; f != "" && st.State == string(journal.StudyFailed) {
			st.Reason = f
		}
		if e.Kind == EventIncumbent {
			at := e.Time.UTC()
			st.ImprovedAt = &at
		}
	}
	if lead, ok := s.Leader(); ok {
		st.Best = &StatusBest{Trial: lead.ID, Score: Num(lead.Mean), Std: Num(lead.Std)}
	}
	return st
}

// ReadStatus summarises one study from one snapshot. Status reads only
// the trials' scores and times (journal.SnapshotOptions.ScoresOnly): on a
// night of 100,000 trials the rest is most of the cost.
func ReadStatus(j *journal.Journal, name string) (*Status, error) {
	s, err := ReadWith(j, name, journal.SnapshotOptions{ScoresOnly: true})
	if err != nil {
		return nil, err
	}
	return s.Status(), nil
}

// ReadTrials lists a study's trials from one snapshot: the finished ones
// best first, then the others.
func ReadTrials(j *journal.Journal, name string) ([]TrialRow, error) {
	return ReadTopTrials(j, name, 0)
}

// ReadTopTrials is ReadTrials cut to the top rows (all when top ≤ 0). The
// ranking needs no spec, so the study is read without them and only the
// rows shown are completed (journal.Journal.Trials; a trial's spec never
// changes once written).
func ReadTopTrials(j *journal.Journal, name string, top int) ([]TrialRow, error) {
	if top <= 0 {
		s, err := Read(j, name)
		if err != nil {
			return nil, err
		}
		return s.TrialRows(), nil
	}
	s, err := ReadWith(j, name, journal.SnapshotOptions{NoSpecs: true})
	if err != nil {
		return nil, err
	}
	ordered := s.Ranked()
	ordered = ordered[:min(top, len(ordered))]
	ids := make([]uint64, len(ordered))
	for i, t := range ordered {
		ids[i] = t.ID
	}
	full, err := j.Trials(name, ids)
	if err != nil {
		return nil, err
	}
	for i := range full {
		// A pooled spec's scores are the ranking's, not its split-0 record's.
		p := ordered[i]
		full[i].FoldScores, full[i].Mean, full[i].Std, full[i].Splits, full[i].Timings, full[i].BestIteration = p.FoldScores, p.Mean, p.Std, p.Splits, p.Timings, p.BestIteration
	}
	return s.rows(s.abandon(full)), nil
}

// TrialRow is one entry of `trials --json`.
type TrialRow struct {
	ID    uint64 `json:"id"`
	State string `json:"state"`
	// Score is the mean over the folds the trial ran (ScoreFolds of
	// them: all for a done trial, the first few for a pruned one); null
	// for a failed, running or interrupted trial, which has no score.
	Score Num `json:"score"`
	// Std is the standard deviation over those folds: null with fewer
	// than two, which have no spread.
	Std        Num   `json:"std"`
	ScoreFolds int   `json:"score_folds"`
	FoldScores []Num `json:"fold_scores"`
	// Pick marks the study's pick: the leader (best mean − SE), which
	// status names as best and holdout scores first; the top row by mean
	// may be another trial.
	Pick       bool              `json:"pick"`
	Screen     *Num              `json:"screen"` // screening-rung score; null when the study does not screen
	Model      string            `json:"model"`
	Features   string            `json:"features"`
	Params     map[string]string `json:"params"`
	Hypothesis string            `json:"hypothesis"`
	// Proposal is the proposal the trial tests or tunes ("round.index");
	// Planner the planner of the round that proposed it.
	Proposal string  `json:"proposal,omitempty"`
	Planner  string  `json:"planner,omitempty"`
	Seconds  float64 `json:"seconds"`
	// Split is the fold split the trial ran on (0: the study's own);
	// Splits, on a spec's split-0 row, how many splits its score pools
	// (0 or 1: one); Reason why the trial ran (empty in older journals).
	Split  int    `json:"split"`
	Splits int    `json:"splits,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Data is the version of the study's data the trial ran on (absent:
	// the file the study was created on; see ExportTrial.Data).
	Data    int    `json:"data,omitempty"`
	Verdict string `json:"verdict,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Ranked is every trial: the leaderboard (finished ones best first), then
// the rest in ID order.
func (s *Study) Ranked() []journal.Trial {
	ordered := s.Leaderboard()
	listed := make(map[uint64]bool, len(ordered))
	for _, t := range ordered {
		listed[t.ID] = true
	}
	for _, t := range s.Trials {
		if !listed[t.ID] {
			ordered = append(ordered, t)
		}
	}
	return ordered
}

// TrialRows are `trials --json`: Ranked's order.
func (s *Study) TrialRows() []TrialRow { return s.rows(s.Ranked()) }

// rows are the rows of the given trials of s, in their order.
func (s *Study) rows(ordered []journal.Trial) []TrialRow {
	planners := make(map[uint64]string, len(s.Rounds))
	for _, r := range s.Rounds {
		planners[r.ID] = r.Planner
	}
	rows := make([]TrialRow, len(ordered))
	lead, ok := s.Leader()
	for i, t := range ordered {
		rows[i] = NewTrialRow(t)
		rows[i].Pick = ok && t.ID == lead.ID
		rows[i].Planner = planners[t.Round]
	}
	return rows
}

// NewTrialRow is one trial's row.
func NewTrialRow(t journal.Trial) TrialRow {
	r := TrialRow{ID: t.ID, State: string(t.State), Score: Num(t.Mean), Std: Num(FoldStd(t)), FoldScores: []Num{},
		Model: t.Model, Features: t.Features, Params: t.Params, Hypothesis: t.Hypothesis, Proposal: t.Proposal,
		Seconds: t.Timings[journal.PhaseTotal], Verdict: t.Verdict, Error: t.Error, Split: t.Split, Splits: len(t.Splits), Reason: t.Reason, Data: t.Data}
	for _, f := range t.FoldScores {
		r.FoldScores = append(r.FoldScores, Num(f))
	}
	if t.State == journal.TrialDone || t.State == journal.TrialPruned {
		r.ScoreFolds = len(t.FoldScores)
	}
	if r.ScoreFolds == 0 { // never scored: its mean was never set
		r.Score, r.Std = Num(math.NaN()), Num(math.NaN())
	}
	if t.Screen != nil {
		v := Num(*t.Screen)
		r.Screen = &v
	}
	return r
}

// Num is a float64 that encodes NaN and ±Inf as JSON null (a failed or
// interrupted trial has no score).
type Num float64

// MarshalJSON writes null for values JSON cannot hold.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}
