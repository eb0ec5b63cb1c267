package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TrialState is where a trial is in its life.
type TrialState string

// Trial states. A trial is written running before it starts and done,
// failed or pruned after it ends, each in its own transaction. A trial found
// running when a journal is reopened by a new writer belonged to a process
// that died; MarkStaleRunningInterrupted turns it interrupted and the
// scheduler runs it again (same ID, same spec).
const (
	TrialRunning     TrialState = "running"
	TrialDone        TrialState = "done"
	TrialFailed      TrialState = "failed"
	TrialPruned      TrialState = "pruned"
	TrialInterrupted TrialState = "interrupted"
)

// Phase names for Trial.Timings.
const (
	PhaseFeatures = "features"
	PhaseBin      = "bin"
	PhaseTrain    = "train"
	PhasePredict  = "predict"
	PhaseTotal    = "total"
)

// canMove reports whether PutTrial accepts the state change from → to;
// from "" is a new trial. Finished trials may be rewritten in the same state
// (for example to add holdout metrics at promotion) but never reopened.
func canMove(from, to TrialState) bool {
	switch from {
	case "", TrialRunning:
		return to.valid()
	case TrialInterrupted:
		return to == TrialInterrupted || to == TrialRunning || to == TrialFailed
	default:
		return to == from
	}
}

func (s TrialState) valid() bool {
	switch s {
	case TrialRunning, TrialDone, TrialFailed, TrialPruned, TrialInterrupted:
		return true
	}
	return false
}

// Trial is one evaluated (or evaluating) spec: everything needed to
// reproduce it and to report on it.
type Trial struct {
	ID    uint64 // 1, 2, …; 0 in PutTrial means "assign the next"
	State TrialState

	SpecHash string          // hash of the spec's canonical JSON: the trial's identity in its study
	Spec     json.RawMessage // the full spec, as the experiment package encodes it
	Model    string          // model kind, e.g. "gbdt", "logreg"
	Features string          // the feature set in the transform language, for display
	Params   map[string]string
	Seed     int64

	// Split is the fold split the trial ran on: 0 is the study's own
	// split (every trial before racing, and every journal written before
	// splits existed); k ≥ 1 are further K-fold splits of the search part
	// drawn from the study seed and k. A (spec, split) runs at most once.
	Split int
	// Of is, for a re-evaluation (Split ≥ 1), the trial that first ran
	// the spec on split 0; 0 otherwise.
	Of uint64
	// Data is the version of the study's data the trial ran on: 0 the
	// file the study was created on (and every trial of a journal written
	// before versions existed: the field is absent), n after the study's
	// n-th continuation on a changed file (--allow-data-change). Trials on
	// different versions were scored on different rows: their fold scores
	// are never paired.
	Data int
	// Reason says why the trial ran: "builtin: search", "llm: hypothesis",
	// "race: re-evaluate #12 on split 2", …; empty in journals written
	// before reasons were recorded.
	Reason string
	// Splits is not stored: the read model (studyview.Pool) sets it on a
	// spec's split-0 trial when it pools the spec's re-evaluations into
	// it, naming the split of each run of len(FoldScores)/len(Splits)
	// fold scores, in order. Nil: FoldScores are split Split's own.
	Splits []int

	Metric        string    // e.g. "auc"
	FoldScores    []float64 // per completed fold, in fold order; NaN allowed
	Mean, Std     float64   // over FoldScores
	BestIteration []int     // per completed fold (GBDT early stopping), else nil

	// Screen is the score on the study's screening rung (a row sample of
	// the first fold, run before the full folds on large data); nil when
	// the trial was not screened.
	Screen *float64

	// Timings are seconds per phase, keyed by the Phase constants; per-phase
	// values are summed over folds.
	Timings map[string]float64

	Worker     int    // worker slot that ran it
	Round      uint64 // planner round that proposed it (Round.ID), 0 if none
	Hypothesis string // the planner's reason for trying it
	// Proposal is the LLM proposal the trial tests or tunes
	// (Proposal.ID, "round.index"); empty for other planners' trials.
	Proposal string
	Verdict  string // noise-aware comparison with the incumbent when it ended

	Error string // failed: what went wrong; pruned: why it was stopped
	Stack string // failed by a panic: the stack

	Started  time.Time
	Finished time.Time

	// Holdout holds holdout metrics written by nightshift before holdout
	// reads were journaled (`holdout --final bag|refit` overwrote them on
	// each run). No current command writes it: the figures are in the
	// study's HoldoutReads, and migration 1→2 copied these into a legacy
	// read. Kept so old journals read back unchanged.
	Holdout map[string]float64
}

type trialRecord struct {
	versioned
	ID            uint64               `json:"id"`
	State         TrialState           `json:"state"`
	SpecHash      string               `json:"spec_hash,omitempty"`
	Spec          json.RawMessage      `json:"spec,omitempty"`
	Model         string               `json:"model,omitempty"`
	Features      string               `json:"features,omitempty"`
	Params        map[string]string    `json:"params,omitempty"`
	Seed          int64                `json:"seed,omitempty"`
	Metric        string               `json:"metric,omitempty"`
	FoldScores    []jsonFloat          `json:"fold_scores,omitempty"`
	Mean          jsonFloat            `json:"mean"`
	Std           jsonFloat            `json:"std"`
	BestIteration []int                `json:"best_iteration,omitempty"`
	Timings       map[string]jsonFloat `json:"timings,omitempty"`
	Worker        int                  `json:"worker"`
	Round         uint64               `json:"round,omitempty"`
	Hypothesis    *string              `json:"hypothesis,omitempty"` // nil in a spec_ref record: the spec entry's
	Proposal      string               `json:"proposal,omitempty"`
	Verdict       string               `json:"verdict,omitempty"`
	Error         string               `json:"error,omitempty"`
	Stack         string               `json:"stack,omitempty"`
	Started       time.Time            `json:"started,omitzero"`
	Finished      time.Time            `json:"finished,omitzero"`
	Holdout       map[string]jsonFloat `json:"holdout,omitempty"`
	Screen        *jsonFloat           `json:"screen,omitempty"`
	// SpecID (schema 3): the spec hash, the spec, and the model,
	// features, parameters and seed it gives, are the spec store's entry
	// SpecID (spec.go).
	SpecID uint64 `json:"spec_id,omitempty"`
	Split  int    `json:"split,omitempty"`
	Of     uint64 `json:"of,omitempty"`
	Reason string `json:"reason,omitempty"`
	Data   int    `json:"data,omitempty"`
}

func (t Trial) record() trialRecord {
	return trialRecord{
		versioned: current(), ID: t.ID, State: t.State,
		SpecHash: t.SpecHash, Spec: t.Spec, Model: t.Model, Features: t.Features, Params: t.Params, Seed: t.Seed,
		Metric: t.Metric, FoldScores: toJSONFloats(t.FoldScores), Mean: jsonFloat(t.Mean), Std: jsonFloat(t.Std),
		BestIteration: t.BestIteration, Timings: toJSONFloatMap(t.Timings),
		Worker: t.Worker, Round: t.Round, Hypothesis: &t.Hypothesis, Proposal: t.Proposal, Verdict: t.Verdict,
		Error: t.Error, Stack: t.Stack, Started: t.Started, Finished: t.Finished,
		Holdout: toJSONFloatMap(t.Holdout), Screen: (*jsonFloat)(t.Screen),
		Split: t.Split, Of: t.Of, Reason: t.Reason, Data: t.Data,
	}
}

// encodeTrial is the record of t as stored: referring to the spec store
// when the store holds t's spec (storing it there first if new) and t's
// display fields are what the spec gives; otherwise whole, as before
// schema 3.
func encodeTrial(ss specStore, t Trial) (trialRecord, error) {
	r := t.record()
	if t.Hypothesis == "" {
		r.Hypothesis = nil
	}
	f, ok := fieldsOf(t.Spec)
	if !ok || !sameFields(t, f) {
		return r, nil
	}
	e, id, err := ss.remember(t.SpecHash, t.Spec, t.Hypothesis)
	if err != nil || id == 0 {
		return r, err
	}
	r.SpecID, r.SpecHash, r.Spec = id, "", nil
	r.Model, r.Features, r.Params, r.Seed = "", "", nil, 0
	r.Hypothesis = &t.Hypothesis
	if e.hypothesis == t.Hypothesis {
		r.Hypothesis = nil
	}
	return r, nil
}

// decodeTrial turns a stored record back into the Trial that was written,
// filling what a spec_ref record left to the spec store.
func decodeTrial(ss specStore, r *trialRecord) (Trial, error) {
	t := r.trial()
	if r.SpecID == 0 || ss.noSpecs {
		return t, nil
	}
	e, err := ss.entry(r.SpecID)
	if err != nil {
		return Trial{}, fmt.Errorf("trial %d: %w", r.ID, err)
	}
	f, ok := fieldsOf(e.spec)
	if !ok {
		return Trial{}, fmt.Errorf("study %q trial %d: stored spec %d has no model, features, params and seed: %w", ss.study, r.ID, r.SpecID, ErrInvalidRecord)
	}
	t.SpecHash, t.Spec = e.hash, bytes.Clone(e.spec)
	t.Model, t.Features, t.Params, t.Seed = f.Model, f.Features, f.Params, f.Seed
	if r.Hypothesis == nil {
		t.Hypothesis = e.hypothesis
	}
	return t, nil
}

func (r trialRecord) trial() Trial {
	return Trial{
		ID: r.ID, State: r.State,
		SpecHash: r.SpecHash, Spec: r.Spec, Model: r.Model, Features: r.Features, Params: r.Params, Seed: r.Seed,
		Metric: r.Metric, FoldScores: fromJSONFloats(r.FoldScores), Mean: float64(r.Mean), Std: float64(r.Std),
		BestIteration: r.BestIteration, Timings: fromJSONFloatMap(r.Timings),
		Worker: r.Worker, Round: r.Round, Hypothesis: deref(r.Hypothesis), Proposal: r.Proposal, Verdict: r.Verdict,
		Error: r.Error, Stack: r.Stack, Started: r.Started, Finished: r.Finished,
		Holdout: fromJSONFloatMap(r.Holdout), Screen: (*float64)(r.Screen),
		Split: r.Split, Of: r.Of, Reason: r.Reason, Data: r.Data,
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nested(b *bolt.Bucket, name []byte, study string) (*bolt.Bucket, error) {
	n := b.Bucket(name)
	if n == nil {
		return nil, fmt.Errorf("study %q: bucket %s missing: %w", study, name, ErrInvalidRecord)
	}
	if !bytes.Equal(name, bucketSpecs) {
		n.FillPercent = appendFill
	}
	return n, nil
}

// appendFill is how full bbolt fills a page before splitting it in the
// buckets keyed by sequence number, where nearly every write lands on the
// last page: at bbolt's default (0.5) every page but the last stays half
// empty and the file is twice the data. Not 1.0: a trial rewritten done is
// longer than it was running, and a full page would split on every such
// rewrite. (FillPercent is a property of the open Bucket, not stored.)
const appendFill = 0.9

// studyNested returns the named nested bucket of the study.
func studyNested(tx *bolt.Tx, study string, name []byte) (*bolt.Bucket, error) {
	b, err := studyBucket(tx, study)
	if err != nil {
		return nil, err
	}
	return nested(b, name, study)
}

// trialBuckets returns the study's trials bucket and its spec store.
func trialBuckets(tx *bolt.Tx, study string) (*bolt.Bucket, specStore, error) {
	trials, err := studyNested(tx, study, bucketTrials)
	if err != nil {
		return nil, specStore{}, err
	}
	ss, err := specStoreOf(tx, study)
	return trials, ss, err
}

// specStoreOf returns the study's spec store.
func specStoreOf(tx *bolt.Tx, study string) (specStore, error) {
	b, err := studyBucket(tx, study)
	if err != nil {
		return specStore{}, err
	}
	index, err := nested(b, bucketSpecs, study)
	if err != nil {
		return specStore{}, err
	}
	// Absent only while migrations before 2→3 run.
	ss := specStore{index: index, specs: b.Bucket(bucketSpecStore), study: study, f: new(inflater)}
	if ss.specs != nil {
		ss.specs.FillPercent = appendFill
	}
	return ss, nil
}

func readTrial(tb *bolt.Bucket, ss specStore, id uint64) (Trial, bool, error) {
	data := tb.Get(seqKey(id))
	if data == nil {
		return Trial{}, false, nil
	}
	var r trialRecord
	if err := decodeRecord(fmt.Sprintf("study %q trial %d", ss.study, id), data, &r); err != nil {
		return Trial{}, false, err
	}
	t, err := decodeTrial(ss, &r)
	return t, err == nil, err
}

// NextTrialID reserves the next trial ID of the study in its own
// transaction; IDs are never reused, even when the reserving process dies
// before writing the trial.
func (j *Journal) NextTrialID(study string) (uint64, error) {
	var id uint64
	err := j.update(func(tx *bolt.Tx) error {
		tb, err := studyNested(tx, study, bucketTrials)
		if err != nil {
			return err
		}
		id, err = tb.NextSequence()
		return err
	})
	return id, err
}

// PutTrial writes one state of a trial in its own fsync'd transaction and
// returns the trial's ID: a new one from the study's sequence when t.ID is
// 0, else t.ID (IDs from NextTrialID, or an existing trial being updated).
// It refuses a state change the life cycle forbids (ErrInvalidTransition)
// and a new trial whose SpecHash belongs to another trial that is not
// interrupted (ErrDuplicateSpec). t replaces the stored record whole, so
// pass every field each time (the usual pattern is one Trial value the
// worker fills in and writes at start and at end). When PutTrial returns
// nil the state is on disk; when it returns an error nothing of this call
// was written.
func (j *Journal) PutTrial(study string, t Trial) (uint64, error) {
	if err := checkTrial(study, t); err != nil {
		return 0, err
	}
	err := j.update(func(tx *bolt.Tx) (err error) {
		t.ID, err = putTrial(tx, study, t)
		return err
	})
	if err != nil {
		return 0, err
	}
	return t.ID, nil
}

// checkTrial refuses a trial no transaction should see.
func checkTrial(study string, t Trial) error {
	if !t.State.valid() {
		return fmt.Errorf("study %q trial %d: state %q is not one of running, done, failed, pruned, interrupted: %w", study, t.ID, t.State, ErrInvalidRecord)
	}
	if !validRaw(t.Spec) {
		return fmt.Errorf("study %q trial %d: spec is not valid JSON: %w", study, t.ID, ErrInvalidRecord)
	}
	return nil
}

// putTrial writes t in tx as PutTrial describes and returns its ID.
func putTrial(tx *bolt.Tx, study string, t Trial) (uint64, error) {
	tb, ss, err := trialBuckets(tx, study)
	if err != nil {
		return 0, err
	}
	err = func() error {
		var prev Trial
		if t.ID == 0 {
			if t.ID, err = tb.NextSequence(); err != nil {
				return err
			}
		} else {
			var found bool
			if prev, found, err = readTrial(tb, ss, t.ID); err != nil {
				return err
			}
			if !found && t.ID > tb.Sequence() {
				// An ID the caller chose beyond the sequence: keep the
				// sequence ahead so it is never handed out again.
				if err := tb.SetSequence(t.ID); err != nil {
					return err
				}
			}
		}
		if !canMove(prev.State, t.State) {
			return fmt.Errorf("study %q trial %d: state %s → %s is not allowed: %w", study, t.ID, stateName(prev.State), t.State, ErrInvalidTransition)
		}
		if prev.SpecHash != "" && t.SpecHash != prev.SpecHash {
			return fmt.Errorf("study %q trial %d: spec hash changed from %s to %s; a trial's spec is fixed: %w", study, t.ID, prev.SpecHash, t.SpecHash, ErrInvalidRecord)
		}
		if prev.State != "" && prev.Split != t.Split {
			return fmt.Errorf("study %q trial %d: split changed from %d to %d; a trial's split is fixed: %w", study, t.ID, prev.Split, t.Split, ErrInvalidRecord)
		}
		if t.Split < 0 || (t.Split > 0 && (t.SpecHash == "" || t.Of == 0)) {
			return fmt.Errorf("study %q trial %d: split %d needs a spec hash and the trial it re-evaluates (of): %w", study, t.ID, t.Split, ErrInvalidRecord)
		}
		if t.SpecHash != "" {
			owner, err := ss.ownerOn(t.SpecHash, t.Split)
			if err != nil {
				return err
			}
			if owner != 0 && owner != t.ID {
				other, found, err := readTrial(tb, ss, owner)
				if err != nil {
					return err
				}
				if found && other.State != TrialInterrupted {
					return fmt.Errorf("study %q: spec %s of trial %d was already run on split %d as trial %d (%s): %w", study, t.SpecHash, t.ID, t.Split, owner, other.State, ErrDuplicateSpec)
				}
			}
		}
		rec, err := encodeTrial(ss, t)
		if err != nil {
			return err
		}
		if t.SpecHash != "" {
			if err := ss.setOwnerOn(t.SpecHash, t.Split, t.ID); err != nil {
				return err
			}
		}
		data, err := encodeRecord(fmt.Sprintf("study %q trial %d", study, t.ID), rec)
		if err != nil {
			return err
		}
		return tb.Put(seqKey(t.ID), data)
	}()
	return t.ID, err
}

func stateName(s TrialState) string {
	if s == "" {
		return "(new)"
	}
	return string(s)
}

// GetTrial returns one trial, or an error wrapping ErrNotFound.
func (j *Journal) GetTrial(study string, id uint64) (Trial, error) {
	var t Trial
	err := j.view(func(tx *bolt.Tx) error {
		tb, ss, err := trialBuckets(tx, study)
		if err != nil {
			return err
		}
		var found bool
		if t, found, err = readTrial(tb, ss, id); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("study %q has no trial %d: %w", study, id, ErrNotFound)
		}
		return nil
	})
	return t, err
}

// ListTrials returns the study's trials in ID order.
func (j *Journal) ListTrials(study string) ([]Trial, error) {
	var out []Trial
	err := j.view(func(tx *bolt.Tx) (err error) {
		out, err = trialsIn(tx, study)
		return err
	})
	return out, err
}

func trialsIn(tx *bolt.Tx, study string) ([]Trial, error) {
	tb, ss, err := trialBuckets(tx, study)
	if err != nil {
		return nil, err
	}
	return trialsFrom(tb, ss)
}

func trialsFrom(tb *bolt.Bucket, ss specStore) ([]Trial, error) {
	var out []Trial
	err := decodeEach(tb, ss.study, "trial", func() record { return new(trialRecord) }, func(v record) error {
		t, err := decodeTrial(ss, v.(*trialRecord))
		out = append(out, t)
		return err
	})
	return out, err
}

// trialScore is the part of a trial record SnapshotOptions.ScoresOnly
// reads.
type trialScore struct {
	versioned
	ID         uint64      `json:"id"`
	State      TrialState  `json:"state"`
	Round      uint64      `json:"round,omitempty"`
	Split      int         `json:"split,omitempty"`
	Of         uint64      `json:"of,omitempty"`
	Data       int         `json:"data,omitempty"`
	FoldScores []jsonFloat `json:"fold_scores,omitempty"`
	Mean       jsonFloat   `json:"mean"`
	Std        jsonFloat   `json:"std"`
	Screen     *jsonFloat  `json:"screen,omitempty"`
	Started    time.Time   `json:"started,omitzero"`
	Finished   time.Time   `json:"finished,omitzero"`
}

func trialScores(tb *bolt.Bucket, study string) ([]Trial, error) {
	var out []Trial
	err := decodeAll(tb, study, "trial", func() record { return new(trialScore) }, func(v record) {
		r := v.(*trialScore)
		out = append(out, Trial{ID: r.ID, State: r.State, Round: r.Round, Split: r.Split, Of: r.Of, Data: r.Data, FoldScores: fromJSONFloats(r.FoldScores),
			Mean: float64(r.Mean), Std: float64(r.Std), Screen: (*float64)(r.Screen), Started: r.Started, Finished: r.Finished})
	})
	return out, err
}

// Trials returns the trials with the given IDs, in that order, in one read
// transaction; an ID the study does not have is an error wrapping
// ErrNotFound. It completes trials read with SnapshotOptions.NoSpecs.
func (j *Journal) Trials(study string, ids []uint64) ([]Trial, error) {
	out := make([]Trial, 0, len(ids))
	err := j.view(func(tx *bolt.Tx) error {
		tb, ss, err := trialBuckets(tx, study)
		if err != nil {
			return err
		}
		for _, id := range ids {
			t, found, err := readTrial(tb, ss, id)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("study %q has no trial %d: %w", study, id, ErrNotFound)
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// TrialBySpecHash returns the trial that ran (or runs) the spec with this
// hash, or an error wrapping ErrNotFound. When an interrupted trial's spec
// was run again under a new ID, the newest holder is returned.
func (j *Journal) TrialBySpecHash(study, specHash string) (Trial, error) {
	var t Trial
	err := j.view(func(tx *bolt.Tx) error {
		tb, ss, err := trialBuckets(tx, study)
		if err != nil {
			return err
		}
		x, found, err := ss.lookup(specHash)
		if err != nil {
			return err
		}
		if !found || x.owner == 0 {
			return fmt.Errorf("study %q has no trial with spec hash %q: %w", study, specHash, ErrNotFound)
		}
		id := x.owner
		if t, found, err = readTrial(tb, ss, id); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("study %q: spec hash %q points to missing trial %d: %w", study, specHash, id, ErrInvalidRecord)
		}
		return nil
	})
	return t, err
}

// MarkStaleRunningInterrupted turns every running trial of the study into
// interrupted, in one transaction, and returns them (as now stored) for the
// scheduler to run again. Call it after a read-write Open: holding the run
// lock proves that no live process is running those trials.
func (j *Journal) MarkStaleRunningInterrupted(study string) ([]Trial, error) {
	var out []Trial
	err := j.update(func(tx *bolt.Tx) error {
		tb, ss, err := trialBuckets(tx, study)
		if err != nil {
			return err
		}
		var stale []trialRecord
		err = decodeAll(tb, study, "trial", func() record { return new(trialRecord) }, func(v record) {
			if r := v.(*trialRecord); r.State == TrialRunning {
				stale = append(stale, *r)
			}
		})
		if err != nil {
			return err
		}
		for _, r := range stale {
			r.State = TrialInterrupted
			data, err := encodeRecord(fmt.Sprintf("study %q trial %d", study, r.ID), r)
			if err != nil {
				return err
			}
			if err := tb.Put(seqKey(r.ID), data); err != nil {
				return err
			}
			t, err := decodeTrial(ss, &r)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TrialCounts counts a study's trials by state.
type TrialCounts struct {
	Done, Failed, Pruned, Running, Interrupted int
}

// Total is the number of trials in any state.
func (c TrialCounts) Total() int {
	return c.Done + c.Failed + c.Pruned + c.Running + c.Interrupted
}

// trialState is the part of a trial record CountTrials reads.
type trialState struct {
	versioned
	State TrialState `json:"state"`
}

// CountTrials counts the study's trials by state in one read transaction.
func (j *Journal) CountTrials(study string) (TrialCounts, error) {
	var c TrialCounts
	err := j.view(func(tx *bolt.Tx) error {
		return scan(tx, study, bucketTrials, "trial", func() record { return new(trialState) }, func(v record) {
			switch v.(*trialState).State {
			case TrialDone:
				c.Done++
			case TrialFailed:
				c.Failed++
			case TrialPruned:
				c.Pruned++
			case TrialRunning:
				c.Running++
			case TrialInterrupted:
				c.Interrupted++
			}
		})
	})
	return c, err
}
