package studyview

import (
	"encoding/json"
	"math"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// ExportVersion is the version of Export's JSON form; a reader should
// refuse a larger one.
const ExportVersion = 1

// Export is `nightshift export --study NAME --json`: the whole study in one
// document, with snake_case keys, so that a notebook (or anyone) can
// recompute everything the report shows. NaN and ±Inf are null.
type Export struct {
	ExportVersion int             `json:"export_version"`
	Study         string          `json:"study"`
	State         string          `json:"state"`   // as readers show it (a dead writer's study reads interrupted)
	Running       bool            `json:"running"` // a live process holds the study
	Created       time.Time       `json:"created"`
	Updated       time.Time       `json:"updated"`
	Config        json.RawMessage `json:"config"` // as stored (the experiment package's form)
	Data          ExportData      `json:"data"`
	Profile       json.RawMessage `json:"profile"` // the search part's profile (the features package's form); null when none

	Metric         string       `json:"metric"`
	HigherIsBetter bool         `json:"higher_is_better"`
	Leader         *uint64      `json:"leader"` // the pick: best mean − SE; null before a trial finished
	Counts         StatusCounts `json:"counts"`
	Elapsed        float64      `json:"elapsed_seconds"`

	Trials []ExportTrial `json:"trials"` // by ID
	Rounds []ExportRound `json:"rounds"`
	Events []ExportEvent `json:"events"`
	// HoldoutReads are every read of the holdout, in order: the first is
	// the verdict, later ones re-reads or repeats.
	HoldoutReads []ExportHoldoutRead `json:"holdout_reads"`
}

// ExportHoldoutRead is one journaled read of the holdout.
type ExportHoldoutRead struct {
	ID        uint64               `json:"id"`
	Time      time.Time            `json:"time"`
	Command   string               `json:"command"`
	Final     string               `json:"final"`
	Top       int                  `json:"top"`
	AsOf      Num                  `json:"as_of_seconds,omitempty"` // an as-of read's search time (never the verdict)
	Metric    string               `json:"metric"`
	Rows      int                  `json:"rows"`
	Positives int                  `json:"positives"`
	Standing  string               `json:"standing"` // verdict, reread or repeat
	RepeatOf  uint64               `json:"repeat_of"`
	Legacy    bool                 `json:"legacy"`
	Error     string               `json:"error"`
	Models    []ExportHoldoutModel `json:"models"` // the first is the one the command was run for
}

// ExportHoldoutModel is one model a read scored.
type ExportHoldoutModel struct {
	Role    string                  `json:"role"`  // "final", "trial", …
	Final   string                  `json:"final"` // ensemble, bag or refit
	Parts   []ExportHoldoutPart     `json:"parts"`
	Metrics map[string]ExportFigure `json:"metrics"`
	CV      Num                     `json:"cv"`
	CVStd   Num                     `json:"cv_std"`
	Trees   int                     `json:"trees"`
	Seconds Num                     `json:"seconds"`
	// Curves on the holdout (null in reads from before they were
	// journaled): ROC as [fpr, tpr] pairs, PR as [recall, precision],
	// calibration bins.
	Curves *ExportCurves `json:"curves"`
	// Importance is the final model's gain share per feature, largest
	// first (null for other models).
	Importance []ExportGain `json:"importance"`
}

// ExportCurves are a scored model's curves on the holdout.
type ExportCurves struct {
	ROC         [][2]Num            `json:"roc"`
	PR          [][2]Num            `json:"pr"`
	Calibration []ExportCalibration `json:"calibration"`
}

// ExportCalibration is one calibration bin.
type ExportCalibration struct {
	Predicted Num `json:"predicted"`
	Observed  Num `json:"observed"`
	Rows      int `json:"rows"`
}

// ExportGain is one feature's share of the final model's gain.
type ExportGain struct {
	Feature string `json:"feature"`
	Gain    Num    `json:"gain"`
}

// ExportHoldoutPart is one trial's share of a scored model.
type ExportHoldoutPart struct {
	Trial    uint64 `json:"trial"`
	SpecHash string `json:"spec_hash"`
	Seed     int64  `json:"seed"`
	Weight   Num    `json:"weight"`
}

// ExportFigure is an estimate with its standard error.
type ExportFigure struct {
	Value Num `json:"value"`
	SE    Num `json:"se"`
}

// ExportData is the data file and its fingerprint.
type ExportData struct {
	File   string `json:"file"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ExportTrial is one trial with everything journaled about it.
type ExportTrial struct {
	ID            uint64            `json:"id"`
	State         string            `json:"state"`
	SpecHash      string            `json:"spec_hash"`
	Spec          json.RawMessage   `json:"spec"`
	Model         string            `json:"model"`
	Features      string            `json:"features"`
	Params        map[string]string `json:"params"`
	Seed          int64             `json:"seed"`
	Metric        string            `json:"metric"`
	FoldScores    []Num             `json:"fold_scores"`
	Mean          Num               `json:"mean"`
	Std           Num               `json:"std"`
	SE            Num               `json:"se"`
	BestIteration []int             `json:"best_iteration"`
	Screen        *Num              `json:"screen"`
	Timings       map[string]Num    `json:"timings"` // seconds per phase, summed over folds
	Worker        int               `json:"worker"`
	Round         uint64            `json:"round"`
	Proposal      string            `json:"proposal"` // the LLM proposal it tests or tunes ("round.index")
	Hypothesis    string            `json:"hypothesis"`
	// Split is the fold split the trial ran on, Of the split-0 trial a
	// re-evaluation re-evaluates, Reason why it ran (absent: split 0,
	// none, or a journal from before reasons).
	Split  int    `json:"split,omitempty"`
	Of     uint64 `json:"of,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Data is the version of the study's data the trial ran on (absent:
	// the file the study was created on; n: after its n-th accepted
	// change, resume --allow-data-change).
	Data     int            `json:"data,omitempty"`
	Verdict  string         `json:"verdict"`
	Error    string         `json:"error"`
	Started  *time.Time     `json:"started"`
	Finished *time.Time     `json:"finished"`
	Holdout  map[string]Num `json:"holdout,omitempty"` // per-trial holdout figures of older nightshifts
}

// ExportRound is one planner round.
type ExportRound struct {
	ID        uint64           `json:"id"`
	Planner   string           `json:"planner"`
	Time      time.Time        `json:"time"`
	Prompt    string           `json:"prompt"`
	Reply     string           `json:"reply"`
	TokensIn  int              `json:"tokens_in"`
	TokensOut int              `json:"tokens_out"`
	Latency   float64          `json:"latency_seconds"`
	Accepted  []ExportProposal `json:"accepted"`
	Rejected  []ExportProposal `json:"rejected"`
	Error     string           `json:"error"`
	// An LLM call's details (empty for other planners): the structured-
	// output path, whether a repair turn was sent, the request's hash,
	// whether the reply was replayed from the journal, HTTP attempts.
	Path        string `json:"path"`
	Repaired    bool   `json:"repaired"`
	RequestHash string `json:"request_hash"`
	Replayed    bool   `json:"replayed"`
	Attempts    int    `json:"attempts"`
}

// ExportProposal is one proposal of a round.
type ExportProposal struct {
	SpecHash   string          `json:"spec_hash"`
	Spec       json.RawMessage `json:"spec"`
	Hypothesis string          `json:"hypothesis"`
	Reason     string          `json:"reason"`
	TrialID    uint64          `json:"trial_id"`
	// LLM proposals: the proposal's ID ("round.index"), the trial it
	// changes (0: the base columns), the parameters its later trials tune,
	// the proposal a tuning trial continues.
	ID     string   `json:"proposal_id"`
	Parent uint64   `json:"parent"`
	Tune   []string `json:"tune"`
	Of     string   `json:"of"`
}

// ExportEvent is one study event.
type ExportEvent struct {
	ID      uint64            `json:"id"`
	Kind    string            `json:"kind"`
	Time    time.Time         `json:"time"`
	Message string            `json:"message"`
	Details map[string]string `json:"details"`
}

// Export builds the study's export document.
func (s *Study) Export() *Export {
	state, running := s.State()
	c := s.Counts()
	e := &Export{
		ExportVersion: ExportVersion, Study: s.Study.Name, State: string(state), Running: running,
		Created: s.Study.Created.UTC(), Updated: s.Study.Updated.UTC(), Config: s.Study.Config,
		Data:    ExportData{File: s.Config.Data, Size: s.Study.Data.Size, SHA256: s.Study.Data.SHA256},
		Profile: s.Study.Profile, Metric: s.Config.Metric, HigherIsBetter: HigherIsBetter(s.Config.Metric),
		Counts: StatusCounts(c), Elapsed: s.Elapsed().Seconds(),
		Trials: make([]ExportTrial, 0, len(s.Trials)), Rounds: make([]ExportRound, 0, len(s.Rounds)), Events: make([]ExportEvent, 0, len(s.Events)),
	}
	if len(e.Profile) == 0 {
		e.Profile = json.RawMessage("null")
	}
	if len(e.Config) == 0 {
		e.Config = json.RawMessage("null")
	}
	if lead, ok := s.Leader(); ok {
		id := lead.ID
		e.Leader = &id
	}
	for _, t := range s.Trials {
		e.Trials = append(e.Trials, exportTrial(t))
	}
	for _, r := range s.Rounds {
		e.Rounds = append(e.Rounds, ExportRound{ID: r.ID, Planner: r.Planner, Time: r.Time.UTC(), Prompt: r.Prompt, Reply: r.Reply,
			TokensIn: r.TokensIn, TokensOut: r.TokensOut, Latency: r.Latency.Seconds(),
			Accepted: exportProposals(r.Accepted), Rejected: exportProposals(r.Rejected), Error: r.Error,
			Path: r.Path, Repaired: r.Repaired, RequestHash: r.RequestHash, Replayed: r.Replayed, Attempts: r.Attempts})
	}
	for _, ev := range s.Events {
		d := ev.Details
		if d == nil {
			d = map[string]string{}
		}
		e.Events = append(e.Events, ExportEvent{ID: ev.ID, Kind: string(ev.Kind), Time: ev.Time.UTC(), Message: ev.Message, Details: d})
	}
	e.HoldoutReads = make([]ExportHoldoutRead, 0, len(s.HoldoutReads))
	for _, r := range s.HoldoutReads {
		e.HoldoutReads = append(e.HoldoutReads, exportHoldoutRead(r))
	}
	return e
}

func exportHoldoutRead(r journal.HoldoutRead) ExportHoldoutRead {
	x := ExportHoldoutRead{ID: r.ID, Time: r.Time.UTC(), Command: r.Command, Final: r.Final, Top: r.Top, AsOf: Num(r.AsOf.Seconds()), Metric: r.Metric,
		Rows: r.Rows, Positives: r.Positives, Standing: string(r.Standing), RepeatOf: r.RepeatOf, Legacy: r.Legacy, Error: r.Error,
		Models: make([]ExportHoldoutModel, 0, len(r.Models))}
	for _, m := range r.Models {
		xm := ExportHoldoutModel{Role: m.Role, Final: m.Final, Parts: make([]ExportHoldoutPart, 0, len(m.Parts)), Metrics: map[string]ExportFigure{},
			CV: Num(m.CV), CVStd: Num(m.CVStd), Trees: m.Trees, Seconds: Num(m.Seconds)}
		for _, p := range m.Parts {
			xm.Parts = append(xm.Parts, ExportHoldoutPart{Trial: p.Trial, SpecHash: p.SpecHash, Seed: p.Seed, Weight: Num(p.Weight)})
		}
		for k, f := range m.Metrics {
			xm.Metrics[k] = ExportFigure{Value: Num(f.Value), SE: Num(f.SE)}
		}
		if c := m.Curves; c != nil {
			xm.Curves = &ExportCurves{ROC: exportPoints(c.ROC), PR: exportPoints(c.PR), Calibration: []ExportCalibration{}}
			for _, b := range c.Calibration {
				xm.Curves.Calibration = append(xm.Curves.Calibration, ExportCalibration{Predicted: Num(b.Predicted), Observed: Num(b.Observed), Rows: b.Rows})
			}
		}
		for _, g := range m.Importance {
			xm.Importance = append(xm.Importance, ExportGain{Feature: g.Feature, Gain: Num(g.Gain)})
		}
		x.Models = append(x.Models, xm)
	}
	return x
}

func exportPoints(ps []journal.CurvePoint) [][2]Num {
	out := make([][2]Num, len(ps))
	for i, p := range ps {
		out[i] = [2]Num{Num(p.X), Num(p.Y)}
	}
	return out
}

func exportTrial(t journal.Trial) ExportTrial {
	x := ExportTrial{ID: t.ID, State: string(t.State), SpecHash: t.SpecHash, Spec: t.Spec, Model: t.Model, Features: t.Features,
		Params: t.Params, Seed: t.Seed, Metric: t.Metric, FoldScores: []Num{}, Mean: Num(t.Mean), Std: Num(FoldStd(t)), SE: Num(StdErr(t)),
		BestIteration: t.BestIteration, Timings: map[string]Num{}, Worker: t.Worker, Round: t.Round, Proposal: t.Proposal,
		Hypothesis: t.Hypothesis, Verdict: t.Verdict, Error: t.Error, Split: t.Split, Of: t.Of, Reason: t.Reason, Data: t.Data}
	if len(x.Spec) == 0 {
		x.Spec = json.RawMessage("null")
	}
	if x.Params == nil {
		x.Params = map[string]string{}
	}
	if x.BestIteration == nil {
		x.BestIteration = []int{}
	}
	for _, f := range t.FoldScores {
		x.FoldScores = append(x.FoldScores, Num(f))
	}
	if len(t.FoldScores) == 0 { // never scored: its mean was never set
		x.Mean = Num(math.NaN())
	}
	if t.Screen != nil {
		v := Num(*t.Screen)
		x.Screen = &v
	}
	for k, v := range t.Timings {
		x.Timings[k] = Num(v)
	}
	if t.Holdout != nil {
		x.Holdout = map[string]Num{}
		for k, v := range t.Holdout {
			x.Holdout[k] = Num(v)
		}
	}
	if !t.Started.IsZero() {
		v := t.Started.UTC()
		x.Started = &v
	}
	if !t.Finished.IsZero() {
		v := t.Finished.UTC()
		x.Finished = &v
	}
	return x
}

func exportProposals(ps []journal.Proposal) []ExportProposal {
	out := make([]ExportProposal, 0, len(ps))
	for _, p := range ps {
		spec := p.Spec
		if len(spec) == 0 {
			spec = json.RawMessage("null")
		}
		tune := p.Tune
		if tune == nil {
			tune = []string{}
		}
		out = append(out, ExportProposal{SpecHash: p.SpecHash, Spec: spec, Hypothesis: p.Hypothesis, Reason: p.Reason, TrialID: p.TrialID,
			ID: p.ID, Parent: p.Parent, Tune: tune, Of: p.Of})
	}
	return out
}
