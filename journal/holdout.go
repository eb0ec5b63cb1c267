package journal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// HoldoutRead is one command's look at a study's holdout rows: what was
// asked (the command line, the final-model choice, how many top trials),
// when, and every model it scored with its figures. Every command that
// scores the holdout journals exactly one read, also when it failed part
// way (Error then says where); the reads are the record of what the
// holdout has shown, and nothing else is (Trial.Holdout is a legacy field
// no current command writes).
//
// The first full read is the study's verdict. A later read is either a re-read
// (its figures are optimistic: whoever chose it had seen earlier ones) or
// a repeat: every model it scored had been scored by one earlier read
// (same final-model kind, same trials, spec hashes, seeds and weights), so
// it showed nothing new. AddHoldoutRead decides which, in the transaction
// that stores the read, and records it in Standing and RepeatOf.
//
// An as-of read (AsOf > 0) scores what the study would have chosen and
// built after that much search time: it is always a re-read, never the
// verdict, and a full read after it can still be the verdict.
type HoldoutRead struct {
	ID      uint64    // 1, 2, … in the study; assigned by AddHoldoutRead
	Time    time.Time // when the figures were computed; zero: the journal's clock
	Command string    // the command line as typed, e.g. "nightshift holdout --study s --final bag"
	Final   string    // the final model asked for: "ensemble", "bag" or "refit"
	Top     int       // how many of the best trials were scored one by one
	// AsOf is the search time (summed over the study's sessions) the read
	// looked back to: only trials finished by then were candidates. 0 for
	// a full read.
	AsOf time.Duration

	Metric    string // the study's metric, which orders the models
	Rows      int    // holdout rows scored
	Positives int    // of which positive

	// Models are the models scored, in the order the command showed them;
	// the first is the one the command was run for (the final model).
	Models []HoldoutModel

	// Error is set when the command failed after scoring some models:
	// the holdout was still seen.
	Error string

	// Standing and RepeatOf are set by AddHoldoutRead (what is passed in
	// is ignored). RepeatOf is the earlier read whose models a repeat
	// scored again, else 0.
	Standing ReadStanding
	RepeatOf uint64

	// Legacy marks the read a migration built from the figures an older
	// nightshift wrote into trials and "holdout" events; its Command,
	// Time and Top are unknown.
	Legacy bool
}

// ReadStanding is what a holdout read's figures are worth.
type ReadStanding string

// Standings of a holdout read.
const (
	ReadVerdict ReadStanding = "verdict" // the study's first read
	ReadReread  ReadStanding = "reread"  // a later read that scored a model no earlier read had: optimistic
	ReadRepeat  ReadStanding = "repeat"  // a later read that scored only models one earlier read had
)

// HoldoutModel is one model a read scored: how it was built, of which
// trials, and its figures on the holdout.
type HoldoutModel struct {
	// Role says why the read scored it: "final" for the model the command
	// was run for, "trial" for one of the best trials; other commands may
	// use their own words ("champion", "candidate").
	Role string
	// Final is how the model was built: "ensemble", "bag" or "refit" ("" in
	// a legacy read, where it is unknown).
	Final string
	// Parts are the trials it is made of, heaviest first: one for a bag or
	// a refit, several for an ensemble.
	Parts []HoldoutPart
	// Metrics are the holdout figures by metric name ("auc", "pr_auc",
	// "logloss", "brier"), each with its standard error (NaN when none is
	// known).
	Metrics map[string]Figure
	// CV and CVStd are the model's cross-validated score on the study's
	// metric over the search folds (an ensemble's own out-of-fold score)
	// and its standard deviation over folds.
	CV, CVStd float64
	Trees     int     // GBDT trees (mean over members); 0 for logreg
	Seconds   float64 // time to fit and score it
	// Curves are its ROC, precision-recall and calibration curves on the
	// holdout (nil in reads journaled before curves were).
	Curves *Curves
	// Importance is the final model's gain importance per feature: each
	// GBDT member's split gains summed per feature, as shares of that
	// member's total, weighted by the member's weight (nil for other
	// models, and for a model with no GBDT member).
	Importance []FeatureGain
}

// Curves are a model's curves on the holdout, thinned to a few hundred
// points each.
type Curves struct {
	ROC         []CurvePoint     // false positive rate → true positive rate, from (0,0) to (1,1)
	PR          []CurvePoint     // recall → precision, by falling threshold
	Calibration []CalibrationBin // by predicted probability, equal-width bins, empty ones left out
}

// CurvePoint is one point of a curve.
type CurvePoint struct{ X, Y float64 }

// CalibrationBin is the holdout rows whose predicted probability falls in
// one bin: their mean prediction, their observed positive rate, how many.
type CalibrationBin struct {
	Predicted, Observed float64
	Rows                int
}

// FeatureGain is one feature's share of a model's gain.
type FeatureGain struct {
	Feature string
	Gain    float64
}

// HoldoutPart is one trial's share of a scored model.
type HoldoutPart struct {
	Trial    uint64
	SpecHash string
	Seed     int64
	Weight   float64 // share of the model's average; 1 for a bag or refit
}

// Figure is an estimate with its standard error.
type Figure struct {
	Value, SE float64
}

type holdoutReadRecord struct {
	versioned
	ID        uint64               `json:"id"`
	Time      time.Time            `json:"time"`
	Command   string               `json:"command,omitempty"`
	Final     string               `json:"final,omitempty"`
	Top       int                  `json:"top"`
	AsOf      time.Duration        `json:"as_of_ns,omitempty"`
	Metric    string               `json:"metric,omitempty"`
	Rows      int                  `json:"rows"`
	Positives int                  `json:"positives"`
	Models    []holdoutModelRecord `json:"models"`
	Error     string               `json:"error,omitempty"`
	Standing  ReadStanding         `json:"standing"`
	RepeatOf  uint64               `json:"repeat_of,omitempty"`
	Legacy    bool                 `json:"legacy,omitempty"`
}

type holdoutModelRecord struct {
	Role    string                  `json:"role,omitempty"`
	Final   string                  `json:"final,omitempty"`
	Parts   []holdoutPartRecord     `json:"parts"`
	Metrics map[string]figureRecord `json:"metrics"`
	CV      jsonFloat               `json:"cv"`
	CVStd   jsonFloat               `json:"cv_std"`
	Trees   int                     `json:"trees,omitempty"`
	Seconds jsonFloat               `json:"seconds"`
	Curves  *curvesRecord           `json:"curves,omitempty"`
	Gains   []featureGainRecord     `json:"importance,omitempty"`
}

type curvesRecord struct {
	ROC         [][2]jsonFloat         `json:"roc"`
	PR          [][2]jsonFloat         `json:"pr"`
	Calibration []calibrationBinRecord `json:"calibration"`
}

type calibrationBinRecord struct {
	Predicted jsonFloat `json:"predicted"`
	Observed  jsonFloat `json:"observed"`
	Rows      int       `json:"rows"`
}

type featureGainRecord struct {
	Feature string    `json:"feature"`
	Gain    jsonFloat `json:"gain"`
}

func pointsRecord(ps []CurvePoint) [][2]jsonFloat {
	out := make([][2]jsonFloat, len(ps))
	for i, p := range ps {
		out[i] = [2]jsonFloat{jsonFloat(p.X), jsonFloat(p.Y)}
	}
	return out
}

func pointsOf(ps [][2]jsonFloat) []CurvePoint {
	out := make([]CurvePoint, len(ps))
	for i, p := range ps {
		out[i] = CurvePoint{X: float64(p[0]), Y: float64(p[1])}
	}
	return out
}

func (c *Curves) record() *curvesRecord {
	if c == nil {
		return nil
	}
	r := &curvesRecord{ROC: pointsRecord(c.ROC), PR: pointsRecord(c.PR), Calibration: []calibrationBinRecord{}}
	for _, b := range c.Calibration {
		r.Calibration = append(r.Calibration, calibrationBinRecord{Predicted: jsonFloat(b.Predicted), Observed: jsonFloat(b.Observed), Rows: b.Rows})
	}
	return r
}

func (r *curvesRecord) curves() *Curves {
	if r == nil {
		return nil
	}
	c := &Curves{ROC: pointsOf(r.ROC), PR: pointsOf(r.PR)}
	for _, b := range r.Calibration {
		c.Calibration = append(c.Calibration, CalibrationBin{Predicted: float64(b.Predicted), Observed: float64(b.Observed), Rows: b.Rows})
	}
	return c
}

type holdoutPartRecord struct {
	Trial    uint64    `json:"trial"`
	SpecHash string    `json:"spec_hash,omitempty"`
	Seed     int64     `json:"seed"`
	Weight   jsonFloat `json:"weight"`
}

type figureRecord struct {
	Value jsonFloat `json:"value"`
	SE    jsonFloat `json:"se"`
}

func (r HoldoutRead) record() holdoutReadRecord {
	rec := holdoutReadRecord{
		versioned: current(), ID: r.ID, Time: r.Time, Command: r.Command, Final: r.Final, Top: r.Top, AsOf: r.AsOf,
		Metric: r.Metric, Rows: r.Rows, Positives: r.Positives, Models: []holdoutModelRecord{},
		Error: r.Error, Standing: r.Standing, RepeatOf: r.RepeatOf, Legacy: r.Legacy,
	}
	for _, m := range r.Models {
		mr := holdoutModelRecord{Role: m.Role, Final: m.Final, Parts: []holdoutPartRecord{}, Metrics: map[string]figureRecord{},
			CV: jsonFloat(m.CV), CVStd: jsonFloat(m.CVStd), Trees: m.Trees, Seconds: jsonFloat(m.Seconds), Curves: m.Curves.record()}
		for _, g := range m.Importance {
			mr.Gains = append(mr.Gains, featureGainRecord{Feature: g.Feature, Gain: jsonFloat(g.Gain)})
		}
		for _, p := range m.Parts {
			mr.Parts = append(mr.Parts, holdoutPartRecord{Trial: p.Trial, SpecHash: p.SpecHash, Seed: p.Seed, Weight: jsonFloat(p.Weight)})
		}
		for k, f := range m.Metrics {
			mr.Metrics[k] = figureRecord{Value: jsonFloat(f.Value), SE: jsonFloat(f.SE)}
		}
		rec.Models = append(rec.Models, mr)
	}
	return rec
}

func (rec holdoutReadRecord) read() HoldoutRead {
	r := HoldoutRead{
		ID: rec.ID, Time: rec.Time, Command: rec.Command, Final: rec.Final, Top: rec.Top, AsOf: rec.AsOf,
		Metric: rec.Metric, Rows: rec.Rows, Positives: rec.Positives,
		Error: rec.Error, Standing: rec.Standing, RepeatOf: rec.RepeatOf, Legacy: rec.Legacy,
	}
	for _, mr := range rec.Models {
		m := HoldoutModel{Role: mr.Role, Final: mr.Final, Metrics: map[string]Figure{},
			CV: float64(mr.CV), CVStd: float64(mr.CVStd), Trees: mr.Trees, Seconds: float64(mr.Seconds), Curves: mr.Curves.curves()}
		for _, g := range mr.Gains {
			m.Importance = append(m.Importance, FeatureGain{Feature: g.Feature, Gain: float64(g.Gain)})
		}
		for _, p := range mr.Parts {
			m.Parts = append(m.Parts, HoldoutPart{Trial: p.Trial, SpecHash: p.SpecHash, Seed: p.Seed, Weight: float64(p.Weight)})
		}
		for k, f := range mr.Metrics {
			m.Metrics[k] = Figure{Value: float64(f.Value), SE: float64(f.SE)}
		}
		r.Models = append(r.Models, m)
	}
	return r
}

// identity is what makes two scored models the same model: how it was
// built and, per part, the trial's spec hash, seed and weight. The trial
// ID is left out (an interrupted spec re-run under a new ID is the same
// model); the role is left out (the same bag scored as "final" or as
// "trial" is one model).
func (m HoldoutModel) identity() string {
	var b strings.Builder
	b.WriteString(m.Final)
	for _, p := range m.Parts {
		fmt.Fprintf(&b, "|%s/%d/%s", p.SpecHash, p.Seed, strconv.FormatFloat(p.Weight, 'g', -1, 64))
	}
	return b.String()
}

// standing decides what read r is worth given the earlier reads: an
// as-of read is a re-read; the first full read is the verdict, whatever
// as-of reads came before it.
func standing(r HoldoutRead, earlier []HoldoutRead) (ReadStanding, uint64) {
	if r.AsOf > 0 {
		return ReadReread, 0
	}
	if _, ok := Verdict(earlier); !ok {
		return ReadVerdict, 0
	}
	for _, e := range earlier {
		seen := map[string]bool{}
		for _, m := range e.Models {
			seen[m.identity()] = true
		}
		covered := len(r.Models) > 0
		for _, m := range r.Models {
			if !seen[m.identity()] {
				covered = false
				break
			}
		}
		if covered {
			return ReadRepeat, e.ID
		}
	}
	return ReadReread, 0
}

// Verdict is the study's verdict among its reads (in journal order): the
// first read AddHoldoutRead stored as the verdict. ok is false before the
// first full read.
func Verdict(reads []HoldoutRead) (HoldoutRead, bool) {
	for _, r := range reads {
		if r.Standing == ReadVerdict {
			return r, true
		}
	}
	return HoldoutRead{}, false
}

// AddHoldoutRead journals one read of the study's holdout in its own
// transaction and returns it as stored: with its ID, its Time (the
// journal's clock when zero) and its Standing against the reads before it
// (the first is the verdict). Models must name the trials they were built
// from.
func (j *Journal) AddHoldoutRead(study string, r HoldoutRead) (HoldoutRead, error) {
	for i, m := range r.Models {
		if len(m.Parts) == 0 {
			return HoldoutRead{}, fmt.Errorf("study %q holdout read: model %d (%s) names no trial: %w", study, i+1, m.Final, ErrInvalidRecord)
		}
	}
	if r.Time.IsZero() {
		r.Time = j.opts.Now().UTC()
	}
	err := j.update(func(tx *bolt.Tx) error {
		b, err := studyBucket(tx, study)
		if err != nil {
			return err
		}
		nb, err := nested(b, bucketHoldoutReads, study)
		if err != nil {
			return err
		}
		earlier, err := holdoutReadsIn(nb, study)
		if err != nil {
			return err
		}
		r.Standing, r.RepeatOf = standing(r, earlier)
		r.ID, err = putHoldoutRead(nb, study, r)
		return err
	})
	if err != nil {
		return HoldoutRead{}, err
	}
	return r, nil
}

// putHoldoutRead stores r under the next sequence number of nb and
// returns its ID.
func putHoldoutRead(nb *bolt.Bucket, study string, r HoldoutRead) (uint64, error) {
	id, err := nb.NextSequence()
	if err != nil {
		return 0, err
	}
	r.ID = id
	data, err := encodeRecord(fmt.Sprintf("study %q holdout read %d", study, id), r.record())
	if err != nil {
		return 0, err
	}
	return id, nb.Put(seqKey(id), data)
}

// ListHoldoutReads returns the study's holdout reads in order; the first
// is the verdict.
func (j *Journal) ListHoldoutReads(study string) ([]HoldoutRead, error) {
	var out []HoldoutRead
	err := j.view(func(tx *bolt.Tx) error {
		nb, err := studyNested(tx, study, bucketHoldoutReads)
		if err != nil {
			return err
		}
		out, err = holdoutReadsIn(nb, study)
		return err
	})
	return out, err
}

func holdoutReadsIn(nb *bolt.Bucket, study string) ([]HoldoutRead, error) {
	var out []HoldoutRead
	err := decodeAll(nb, study, "holdout read", func() record { return new(holdoutReadRecord) }, func(v record) {
		out = append(out, v.(*holdoutReadRecord).read())
	})
	return out, err
}

// legacyHoldoutRead gathers the holdout figures an older nightshift wrote
// (the ensemble's "holdout" events, the figures written into trials by the
// last `holdout --final bag|refit`) into one read, so that a study whose
// holdout was seen before reads were journaled still counts it. ok is
// false when the study has none.
func legacyHoldoutRead(trials []Trial, events []Event) (HoldoutRead, bool) {
	byID := map[uint64]Trial{}
	for _, t := range trials {
		byID[t.ID] = t
	}
	part := func(id uint64, w float64) HoldoutPart {
		t := byID[id]
		return HoldoutPart{Trial: id, SpecHash: t.SpecHash, Seed: t.Seed, Weight: w}
	}
	r := HoldoutRead{Legacy: true, Standing: ReadVerdict, Command: "(before holdout reads were journaled)"}
	for _, e := range events {
		if e.Kind != "holdout" {
			continue
		}
		m := HoldoutModel{Role: "final", Final: e.Details["final"], Metrics: map[string]Figure{}}
		for _, p := range strings.Split(e.Details["parts"], ", ") {
			// "#8 0.48": the trial and its weight, rounded as the event wrote it.
			var id uint64
			var w float64
			if _, err := fmt.Sscanf(p, "#%d %g", &id, &w); err == nil {
				m.Parts = append(m.Parts, part(id, w))
			}
		}
		for _, k := range []string{"auc", "pr_auc", "logloss", "brier"} {
			if v, err := strconv.ParseFloat(e.Details[k], 64); err == nil {
				m.Metrics[k] = Figure{Value: v, SE: math.NaN()}
			}
		}
		m.CV, _ = strconv.ParseFloat(e.Details["cv"], 64)
		m.CVStd, _ = strconv.ParseFloat(e.Details["cv_std"], 64)
		if len(m.Parts) > 0 {
			r.Models = append(r.Models, m)
			r.Final = m.Final
			r.Time = e.Time
		}
	}
	for _, t := range trials {
		if len(t.Holdout) == 0 {
			continue
		}
		m := HoldoutModel{Role: "trial", Parts: []HoldoutPart{part(t.ID, 1)}, Metrics: map[string]Figure{}, CV: t.Mean, CVStd: t.Std}
		for k, v := range t.Holdout {
			m.Metrics[k] = Figure{Value: v, SE: math.NaN()}
		}
		r.Models = append(r.Models, m)
		if r.Time.Before(t.Finished) {
			r.Time = t.Finished
		}
	}
	return r, len(r.Models) > 0
}
