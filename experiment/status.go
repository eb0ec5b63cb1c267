package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// StudyStatus is `status --study NAME --json` (design.md's stable keys).
type StudyStatus struct {
	Study  string       `json:"study"`
	State  string       `json:"state"`
	Trials StatusCounts `json:"trials"`
	Best   *StatusBest  `json:"best"`
	// Planner and the LLM tokens spent (in + out).
	Planner   string `json:"planner"`
	LLMTokens int    `json:"llm_tokens"`
	// LLMCircuit is the LLM planner's last circuit-breaker event, when
	// it opened during the study.
	LLMCircuit string  `json:"llm_circuit,omitempty"`
	Metric     string  `json:"metric"`
	Data       string  `json:"data"`
	Elapsed    float64 `json:"elapsed_seconds"`
	Writer     string  `json:"writer,omitempty"` // "pid N since T" while a run holds the journal
	Created    string  `json:"created"`
}

// StatusCounts are trials per state.
type StatusCounts struct {
	Done        int `json:"done"`
	Failed      int `json:"failed"`
	Pruned      int `json:"pruned"`
	Running     int `json:"running"`
	Interrupted int `json:"interrupted"`
}

// StatusBest is the incumbent.
type StatusBest struct {
	Trial uint64 `json:"trial"`
	Score Num    `json:"score"`
	Std   Num    `json:"std"`
}

// TrialRow is one entry of `trials --json`.
type TrialRow struct {
	ID         uint64            `json:"id"`
	State      string            `json:"state"`
	Score      Num               `json:"score"`
	Std        Num               `json:"std"`
	FoldScores []Num             `json:"fold_scores"`
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
	Verdict  string  `json:"verdict,omitempty"`
	Error    string  `json:"error,omitempty"`
}

// OpenReadOnly opens a journal for status, trials and report: it never
// waits for a running study and never writes.
func OpenReadOnly(db string) (*journal.Journal, error) {
	return journal.Open(db, journal.Options{ReadOnly: true, Timeout: 5 * time.Second})
}

// ReadStatus summarises one study.
func ReadStatus(j *journal.Journal, name string) (*StudyStatus, error) {
	st, cfg, err := readStudy(j, name)
	if err != nil {
		return nil, err
	}
	trials, err := j.ListTrials(name)
	if err != nil {
		return nil, err
	}
	events, err := j.ListEvents(name)
	if err != nil {
		return nil, err
	}
	in, out, err := j.TokensSpent(name)
	if err != nil {
		return nil, err
	}
	s := &StudyStatus{Study: name, State: string(st.State), Planner: cfg.Planner, LLMTokens: in + out, Metric: cfg.Metric,
		Data: cfg.Data, Created: st.Created.UTC().Format(time.RFC3339)}
	for _, e := range events {
		if e.Kind == EventCircuit {
			s.LLMCircuit = e.Time.UTC().Format(time.RFC3339) + " " + e.Message
		}
	}
	for _, t := range trials {
		switch t.State {
		case journal.TrialDone:
			s.Trials.Done++
		case journal.TrialFailed:
			s.Trials.Failed++
		case journal.TrialPruned:
			s.Trials.Pruned++
		case journal.TrialRunning:
			s.Trials.Running++
		case journal.TrialInterrupted:
			s.Trials.Interrupted++
		}
	}
	if inc, ok := leaderOf(cfg.Metric, trials); ok {
		s.Best = &StatusBest{Trial: inc.ID, Score: Num(inc.Mean), Std: Num(inc.Std)}
	}
	s.Elapsed = spentBefore(events, trials).Seconds()
	if st.State == journal.StudyRunning {
		if h, running, err := journal.Writer(j.Path()); err == nil && running {
			s.Writer = fmt.Sprintf("pid %d", h.PID)
		} else {
			// The process that ran it died without closing the study.
			s.State = string(journal.StudyInterrupted)
		}
	}
	return s, nil
}

// ReadTrials lists a study's finished trials best first, then the others.
func ReadTrials(j *journal.Journal, name string) ([]TrialRow, error) {
	_, cfg, err := readStudy(j, name)
	if err != nil {
		return nil, err
	}
	trials, err := j.ListTrials(name)
	if err != nil {
		return nil, err
	}
	rounds, err := j.ListRounds(name)
	if err != nil {
		return nil, err
	}
	planners := map[uint64]string{}
	for _, r := range rounds {
		planners[r.ID] = r.Planner
	}
	ordered := Leaderboard(trials, cfg.Metric)
	listed := map[uint64]bool{}
	for _, t := range ordered {
		listed[t.ID] = true
	}
	for _, t := range trials {
		if !listed[t.ID] {
			ordered = append(ordered, t)
		}
	}
	rows := make([]TrialRow, len(ordered))
	for i, t := range ordered {
		rows[i] = TrialRow{ID: t.ID, State: string(t.State), Score: Num(t.Mean), Std: Num(t.Std), FoldScores: []Num{},
			Model: t.Model, Features: t.Features, Params: t.Params, Hypothesis: t.Hypothesis, Proposal: t.Proposal, Planner: planners[t.Round],
			Seconds: t.Timings[journal.PhaseTotal], Verdict: t.Verdict, Error: t.Error}
		for _, f := range t.FoldScores {
			rows[i].FoldScores = append(rows[i].FoldScores, Num(f))
		}
		if t.Screen != nil {
			v := Num(*t.Screen)
			rows[i].Screen = &v
		}
	}
	return rows, nil
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

// readStudy returns a study and its decoded configuration.
func readStudy(j *journal.Journal, name string) (journal.Study, StudyConfig, error) {
	var cfg StudyConfig
	st, err := j.GetStudy(name)
	if err != nil {
		return st, cfg, err
	}
	if st.ConfigVersion > ConfigVersion {
		return st, cfg, fmt.Errorf("study %q: config version %d is newer than this nightshift (%d): %w", name, st.ConfigVersion, ConfigVersion, journal.ErrNewerSchema)
	}
	if err := json.Unmarshal(st.Config, &cfg); err != nil {
		return st, cfg, fmt.Errorf("study %q: stored config unreadable: %w", name, err)
	}
	return st, cfg, nil
}

// Leaderboard returns a study's finished trials, best first (by mean).
func Leaderboard(trials []journal.Trial, metric string) []journal.Trial {
	var out []journal.Trial
	for _, t := range trials {
		if t.State == journal.TrialDone || t.State == journal.TrialPruned {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if (out[a].State == journal.TrialDone) != (out[b].State == journal.TrialDone) {
			return out[a].State == journal.TrialDone
		}
		if higherIsBetter(metric) {
			return out[a].Mean > out[b].Mean
		}
		return out[a].Mean < out[b].Mean
	})
	return out
}
