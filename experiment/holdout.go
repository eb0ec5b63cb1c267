package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/learners"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// Fitted is a study's final model: a trial's spec refitted on the whole
// search part (one member), the bag of its fold models (one member per
// fold, predictions averaged), or an ensemble of several trials' bags
// (weighted average). It is what promotion exports.
type Fitted struct {
	Spec TrialSpec
	// Members are the fitted models (final.Member: kind, weight, trial,
	// pipeline or nil for base columns, model).
	Members []final.Member
	// Trees is the GBDT's number of trees: of the refit (the mean best
	// iteration over the trial's folds), or the mean over the bag's
	// members (the weighted mean over an ensemble's trials); 0 for logreg.
	Trees int
	// Parts are an ensemble's trials and weights (nil for one trial's
	// model); Spec is then the heaviest trial's.
	Parts []EnsemblePart
}

// Final models a study can score on the holdout.
const (
	FinalRefit = "refit" // the spec trained once on the whole search part
	FinalBag   = "bag"   // the K fold models the CV score measured, averaged
	// FinalEnsemble (ensemble.go): the best trials' bags, weighted.
)

// Bag fits spec on each fold exactly as Evaluate did (the pipeline on the
// fold's training rows, GBDT early-stopping on its validation part) and
// keeps the K models: their average is the model the CV score describes,
// each member having seen (K-1)/K of the search part. A spec evaluated on
// several fold splits (racing) is bagged over all of them
// (studyview.SplitsOf its pooled trial: K models per split, equally
// weighted), since its pooled CV score measured every one of those
// models; no splits means split 0.
func (s *Search) Bag(ctx context.Context, spec TrialSpec, threads int, splits ...int) (*Fitted, error) {
	f, _, err := s.bag(ctx, spec, splits, threads, false)
	return f, err
}

// Refit trains spec on every row of the search part. GBDT trees: the mean
// of the trial's per-fold best iterations (early stopping has no
// validation part left to watch).
func (s *Search) Refit(ctx context.Context, spec TrialSpec, bestIter []int, threads int) (*Fitted, error) {
	f := &Fitted{Spec: spec}
	m := final.Member{Kind: spec.Model}
	var design *trainer.Dataset
	fs, err := s.featureSpec(spec.Features)
	if err != nil {
		return nil, err
	}
	if fs != nil {
		pipe, out, err := dsl.Fit(ctx, fs, s.Frame, s.Y, dsl.FitOptions{Folds: 5, Seed: spec.Seed, TimeCol: s.TimeCol, Leaks: s.Leaks, Threads: threads})
		if err != nil {
			return nil, err
		}
		m.Pipeline, design = pipe, DesignFromOutput(out)
	} else {
		design = s.base
	}
	l, err := learners.Lookup(spec.Model)
	if err != nil {
		return nil, err
	}
	in := trainer.FitInput{Params: spec.Params, Seed: spec.Seed, Threads: threads, Train: trainer.Part{Data: design, Labels: s.Y}}
	if fs == nil {
		in.Train.Memo = s.memo
	}
	if it, ok := l.(trainer.Iterative); ok {
		if len(bestIter) > 0 {
			sum := 0
			for _, b := range bestIter {
				sum += b
			}
			f.Trees = max(1, int(math.Round(float64(sum)/float64(len(bestIter)))))
		}
		in.Params = it.FixedIterations(spec.Params, f.Trees)
	}
	fit, err := l.Fit(ctx, in)
	if err != nil {
		return nil, err
	}
	m.Model, m.Weight = fit.Model, 1
	f.Members = []final.Member{m}
	return f, nil
}

// Final is f in its standalone form: its members and the input schema
// of s (the study's columns, kinds and dictionaries), which is all it
// needs to predict.
func (f *Fitted) Final(s *Search) *final.Model {
	return &final.Model{Schema: s.schema(), Members: f.Members}
}

// Predict scores a frame with the fitted pipelines and models: the
// members' probabilities averaged with their weights. Its columns must be
// the study's (same kinds and dictionaries: features.AlignTo).
func (f *Fitted) Predict(ctx context.Context, s *Search, fr *features.Frame) ([]float64, error) {
	return f.Final(s).Predict(ctx, fr)
}

// HoldoutScore is one final model scored on the holdout: a trial's bag or
// refit, or the ensemble (Trial is then its heaviest trial, CV and CVStd
// the ensemble's own out-of-fold score over the same folds, Parts its
// trials and weights).
type HoldoutScore struct {
	Trial uint64 `json:"trial"`
	CV    Num    `json:"cv"`
	CVStd Num    `json:"cv_std"`
	// CVSE is the CV mean's standard error: a trial's studyview.StdErr
	// (for a spec pooled over fold splits, the repeated-CV one), the
	// ensemble's std over its (split, fold) scores / √their number.
	CVSE    Num            `json:"cv_se"`
	Holdout metrics.Report `json:"holdout"`
	// SE are the holdout figures' standard errors by metric name
	// (holdoutFigures).
	SE    map[string]Num `json:"holdout_se"`
	Trees int            `json:"trees,omitempty"`
	Final string         `json:"final"` // FinalEnsemble, FinalBag or FinalRefit
	Parts []EnsemblePart `json:"parts,omitempty"`
	// Pick marks the study's pick (the leader: best mean − SE), the
	// trial status names as best.
	Pick bool `json:"pick,omitempty"`
	// Seconds is the time taken to fit this model (the ensemble's: all its
	// candidates' bags and the selection).
	Seconds float64 `json:"seconds"`

	// curves (every model) and importance (the final model's) go to the
	// journaled read for the report, not to --json.
	curves     *journal.Curves
	importance []journal.FeatureGain
}

// HoldoutOptions choose the final model ScoreHoldout scores.
type HoldoutOptions struct {
	Top      int    // trials scored one by one (their bags or refits)
	Threads  int    // threads per fit
	Final    string // FinalEnsemble (default), FinalBag or FinalRefit
	Ensemble EnsembleOptions
	// Command is the command line, journaled with the read.
	Command string
	// AsOf, when above zero, scores what the study would have chosen and
	// built after that much search time (summed over its sessions): the
	// pick, the board and the ensemble's candidates and cost budget are
	// the trials finished by then. The read is journaled as an as-of
	// re-read, never the verdict.
	AsOf time.Duration
}

// ErrAsOfBeyondSearch is returned by ScoreHoldout when AsOf is not
// shorter than the study's search time: the as-of model is the study's
// own, and a full read scores it.
var ErrAsOfBeyondSearch = errors.New("as-of time not within the study's search")

// ErrNoFinishedTrial is returned by ScoreHoldout for a study with no
// finished trial: there is no model to score, and the holdout stays
// unread.
var ErrNoFinishedTrial = errors.New("no finished trial")

// HoldoutResult is one ScoreHoldout call: the models it scored and the
// holdout read it journaled for them.
type HoldoutResult struct {
	Scores []HoldoutScore
	// Read is this call's read as stored (its ID and standing); Reads all
	// of the study's reads, this one last.
	Read  journal.HoldoutRead
	Reads []journal.HoldoutRead
	// Trials is how many of the study's trials the read chose from: all of
	// them, or those finished by the as-of time.
	Trials int
}

// ScoreHoldout fits the study's final models on the search part, scores
// each once on the holdout rows and journals everything it scored as one
// holdout read (journal.HoldoutRead), also when it fails after scoring a
// model. With FinalEnsemble the ensemble comes first, then the best o.Top
// trials' bags; otherwise the best o.Top trials' bags or refits, the
// leader first. Trials' own records are never changed. This is the only
// path (with promotion) that reads holdout rows.
func ScoreHoldout(ctx context.Context, j *journal.Journal, study string, o HoldoutOptions) (*HoldoutResult, error) {
	if o.Final == "" {
		o.Final = FinalEnsemble
	}
	if o.Final != FinalEnsemble && o.Final != FinalBag && o.Final != FinalRefit {
		return nil, fmt.Errorf("final model %q: want %s, %s or %s", o.Final, FinalEnsemble, FinalBag, FinalRefit)
	}
	var keep func([]journal.Trial) ([]journal.Trial, error)
	if o.AsOf > 0 {
		keep = func(trials []journal.Trial) ([]journal.Trial, error) { return trialsAsOf(j, study, trials, o.AsOf) }
	}
	h, err := openHoldoutAsOf(ctx, j, study, keep)
	if err != nil {
		return nil, err
	}
	cfg, trials, board, inc := h.cfg, h.all, h.board, h.board[0]
	read := journal.HoldoutRead{Command: o.Command, Final: o.Final, Top: o.Top, AsOf: o.AsOf, Metric: cfg.Metric, Rows: len(h.y)}
	for _, v := range h.y {
		if v == 1 {
			read.Positives++
		}
	}
	o.Top = max(o.Top, 0)
	scores, err := h.scoreAll(ctx, board, trials, inc.ID, o, &read)
	if len(read.Models) == 0 {
		if err == nil {
			err = fmt.Errorf("study %q: --final %s with --top %d scores no model", study, o.Final, o.Top)
		}
		return nil, err // nothing was scored: the holdout is still unread
	}
	if err != nil {
		read.Error = err.Error()
	}
	stored, jerr := j.AddHoldoutRead(study, read)
	if err != nil {
		if jerr != nil {
			return nil, fmt.Errorf("%w (and the read could not be journaled: %v)", err, jerr)
		}
		return nil, err
	}
	if jerr != nil {
		return nil, jerr
	}
	reads, err := j.ListHoldoutReads(study)
	if err != nil {
		return nil, err
	}
	return &HoldoutResult{Scores: scores, Read: stored, Reads: reads, Trials: len(trials)}, nil
}

// openHoldout reads a study for a holdout read: its config and trials, the
// board (the leader, then the other finished trials by mean), the data
// (refused when its fingerprint changed), the search part and the
// holdout rows.
func openHoldout(ctx context.Context, j *journal.Journal, study string) (*holdoutRun, error) {
	return openHoldoutAsOf(ctx, j, study, nil)
}

// openHoldoutAsOf is openHoldout over the trials keep leaves (all when
// keep is nil).
func openHoldoutAsOf(ctx context.Context, j *journal.Journal, study string, keep func([]journal.Trial) ([]journal.Trial, error)) (*holdoutRun, error) {
	st, cfg, err := readStudy(j, study)
	if err != nil {
		return nil, err
	}
	trials, err := j.ListTrials(study)
	if err != nil {
		return nil, err
	}
	if keep != nil {
		if trials, err = keep(trials); err != nil {
			return nil, err
		}
	}
	// The leader (best lower bound) first, then the rest by mean; finished
	// trials only.
	inc, ok := leaderOf(cfg.Metric, trials)
	if !ok && keep != nil {
		return nil, fmt.Errorf("by the as-of time: %w", noFinishedTrial(study, trials))
	}
	if !ok {
		return nil, noFinishedTrial(study, trials)
	}
	board := []journal.Trial{inc}
	for _, t := range studyview.Leaderboard(trials, cfg.Metric) {
		if t.ID != inc.ID && t.State == journal.TrialDone {
			board = append(board, t)
		}
	}
	fp, err := journal.FingerprintFile(ctx, cfg.Data)
	if err != nil {
		return nil, err
	}
	if !fp.Equal(st.Data) {
		return nil, fmt.Errorf("%s: %w (was %s, now %s)", cfg.Data, ErrDataChanged, st.Data, fp)
	}
	tab, err := LoadStudyTable(j, st, cfg)
	if err != nil {
		return nil, err
	}
	s, err := NewSearch(tab, cfg.HoldoutRows, &cfg)
	if err != nil {
		return nil, err
	}
	h := &holdoutRun{s: s, hold: tab.Frame.Take(cfg.HoldoutRows), y: takeFloats(tab.Target.Y, cfg.HoldoutRows), trials: map[uint64]journal.Trial{},
		study: st, cfg: cfg, all: trials, board: board}
	for _, t := range trials {
		h.trials[t.ID] = t
	}
	for _, t := range studyview.Pool(trials) {
		h.trials[t.ID] = t // a raced spec's split-0 trial with its splits pooled
	}
	return h, nil
}

// trialsAsOf are the trials that had ended (finished, pruned or failed)
// when the study had searched for d, its sessions' wall time added up
// (studyview.WallTimeAt).
func trialsAsOf(j *journal.Journal, study string, trials []journal.Trial, d time.Duration) ([]journal.Trial, error) {
	events, err := j.ListEvents(study)
	if err != nil {
		return nil, err
	}
	at, ok := studyview.WallTimeAt(events, trials, d)
	if !ok {
		return nil, fmt.Errorf("study %q searched for %s in all, so as of %s it had built its final model (run holdout without --as-of): %w",
			study, studyview.Elapsed(events, trials).Round(time.Second), d, ErrAsOfBeyondSearch)
	}
	var out []journal.Trial
	for _, t := range trials {
		if !t.Finished.IsZero() && !t.Finished.After(at) {
			out = append(out, t)
		}
	}
	return out, nil
}

// noFinishedTrial says why a study has nothing to score.
func noFinishedTrial(study string, trials []journal.Trial) error {
	if len(trials) == 0 {
		return fmt.Errorf("study %q has no trials yet (run it with nightshift resume --study %s): %w", study, study, ErrNoFinishedTrial)
	}
	var c studyview.StatusCounts
	for _, t := range trials {
		switch t.State {
		case journal.TrialFailed:
			c.Failed++
		case journal.TrialPruned:
			c.Pruned++
		case journal.TrialRunning:
			c.Running++
		case journal.TrialInterrupted:
			c.Interrupted++
		}
	}
	return fmt.Errorf("study %q has no finished trial to score (%d trials: %d failed, %d pruned, %d running, %d interrupted; nightshift trials --study %s shows why): %w",
		study, len(trials), c.Failed, c.Pruned, c.Running, c.Interrupted, study, ErrNoFinishedTrial)
}

// scoreAll scores the final model and the top trials, appending each to
// read as soon as it is scored.
func (h *holdoutRun) scoreAll(ctx context.Context, board, trials []journal.Trial, pick uint64, o HoldoutOptions, read *journal.HoldoutRead) ([]HoldoutScore, error) {
	s := h.s
	var out []HoldoutScore
	bags := map[uint64]bagged{}
	if o.Final == FinalEnsemble {
		sc, cands, f, err := h.ensemble(ctx, ensembleCandidates(board, trials, o.Ensemble.withDefaults()), o)
		if err != nil {
			return nil, err
		}
		sc.importance = finalImportance(f)
		out = append(out, sc)
		h.record(read, "final", sc)
		for _, c := range cands {
			bags[c.trial.ID] = c
		}
	}
	for i, t := range board[:min(o.Top, len(board))] {
		start := time.Now()
		f := bags[t.ID].fit
		if f == nil { // not bagged for the ensemble
			spec, err := trialSpec(t)
			if err != nil {
				return out, err
			}
			if o.Final == FinalRefit {
				f, err = s.Refit(ctx, spec, t.BestIteration, o.Threads)
			} else {
				f, err = s.Bag(ctx, spec, o.Threads, studyview.SplitsOf(t)...)
			}
			if err != nil {
				return out, fmt.Errorf("trial %d: %s: %w", t.ID, o.Final, err)
			}
		}
		rep, se, curves, err := h.score(ctx, f)
		if err != nil {
			return out, fmt.Errorf("trial %d: %w", t.ID, err)
		}
		final := o.Final
		if final == FinalEnsemble {
			final = FinalBag
		}
		// Seconds: the fit and the scoring (a bag reused from the ensemble: its fit then).
		secs := time.Since(start).Seconds() + bags[t.ID].seconds
		sc := HoldoutScore{Trial: t.ID, CV: Num(t.Mean), CVStd: Num(t.Std), CVSE: Num(studyview.StdErr(t)), Holdout: rep, SE: se, Trees: f.Trees, Final: final,
			Parts: []EnsemblePart{{Trial: t.ID, Weight: 1}}, Pick: t.ID == pick, Seconds: secs, curves: curves}
		role := "trial"
		if o.Final != FinalEnsemble && i == 0 {
			role = "final"
			sc.importance = finalImportance(f)
		}
		out = append(out, sc)
		h.record(read, role, sc)
	}
	return out, nil
}

// record adds a scored model to the read.
func (h *holdoutRun) record(read *journal.HoldoutRead, role string, sc HoldoutScore) {
	m := journal.HoldoutModel{Role: role, Final: sc.Final, Metrics: map[string]journal.Figure{},
		CV: float64(sc.CV), CVStd: float64(sc.CVStd), Trees: sc.Trees, Seconds: sc.Seconds, Curves: sc.curves, Importance: sc.importance}
	for _, p := range sc.Parts {
		t := h.trials[p.Trial]
		m.Parts = append(m.Parts, journal.HoldoutPart{Trial: p.Trial, SpecHash: t.SpecHash, Seed: t.Seed, Weight: p.Weight})
	}
	for k, v := range MetricValues(sc.Holdout) {
		m.Metrics[k] = journal.Figure{Value: v, SE: float64(sc.SE[k])}
	}
	read.Models = append(read.Models, m)
}

// holdoutRun is one ScoreHoldout call's search part, holdout rows and
// the study's trials by ID.
type holdoutRun struct {
	s      *Search
	hold   *features.Frame
	y      []float64
	trials map[uint64]journal.Trial
	study  journal.Study
	cfg    StudyConfig
	all    []journal.Trial // the study's trials
	board  []journal.Trial // the leader, then finished trials by mean
}

// score predicts the holdout rows with f and computes every metric with
// its standard error, and the curves.
func (h *holdoutRun) score(ctx context.Context, f *Fitted) (metrics.Report, map[string]Num, *journal.Curves, error) {
	pred, rep, se, err := h.predict(ctx, f)
	if err != nil {
		return rep, se, nil, err
	}
	return rep, se, holdoutCurves(h.y, pred), nil
}

// predict is score with the holdout predictions.
func (h *holdoutRun) predict(ctx context.Context, f *Fitted) ([]float64, metrics.Report, map[string]Num, error) {
	pred, err := f.Predict(ctx, h.s, h.hold)
	if err != nil {
		return nil, metrics.Report{}, nil, fmt.Errorf("predict the holdout: %w", err)
	}
	rep, err := metrics.Compute(h.y, pred)
	if err != nil {
		return nil, metrics.Report{}, nil, fmt.Errorf("holdout: %w", err)
	}
	return pred, rep, holdoutSE(h.y, pred, rep), nil
}

// holdoutSE are the standard errors of the holdout figures: AUC's
// Hanley–McNeil SE (metrics.AUCStdErr); for average precision the binomial
// approximation √(AP(1−AP)/positives) (Boyd, Eng & Page 2013, "Area under
// the precision-recall curve: point estimates and confidence intervals");
// for log loss and Brier, which are means of per-row losses, the sample
// standard deviation of those losses over √rows.
func holdoutSE(y, p []float64, rep metrics.Report) map[string]Num {
	n := float64(len(y))
	var ll, br []float64
	for i, yi := range y {
		q := min(max(p[i], metrics.DefaultEps), 1-metrics.DefaultEps)
		if yi == 1 {
			ll = append(ll, -math.Log(q))
		} else {
			ll = append(ll, -math.Log(1-q))
		}
		br = append(br, (p[i]-yi)*(p[i]-yi))
	}
	meanSE := func(xs []float64) float64 {
		_, sd := meanStd(xs)
		return sd / math.Sqrt(n)
	}
	apSE := math.NaN()
	if rep.Positives > 0 {
		apSE = math.Sqrt(rep.PRAUC * (1 - rep.PRAUC) / float64(rep.Positives))
	}
	return map[string]Num{MetricAUC: Num(rep.AUCStdErr), MetricPRAUC: Num(apSE), MetricLogLoss: Num(meanSE(ll)), "brier": Num(meanSE(br))}
}

// buildEnsemble bags the candidates and selects their weights on the
// out-of-fold predictions; it returns the ensemble, the bags and the
// ensemble's out-of-fold score per fold.
func (h *holdoutRun) buildEnsemble(ctx context.Context, cands []journal.Trial, o HoldoutOptions) (*Fitted, []bagged, []float64, error) {
	s := h.s
	var bags []bagged
	var oof [][][]float64
	// The weights are chosen on the fold splits every candidate ran on
	// (split 0 at least), each (split, fold) pair a "fold" of the blend's
	// score; each bag holds all of its own splits' fold models.
	shared := sharedSplits(cands)
	for _, t := range cands {
		spec, err := trialSpec(t)
		if err != nil {
			return nil, nil, nil, err
		}
		tick := time.Now()
		own := studyview.SplitsOf(t)
		f, p, err := s.bag(ctx, spec, own, o.Threads, true)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("trial %d: bag: %w", t.ID, err)
		}
		var like [][]float64
		for _, sp := range shared {
			i := slices.Index(own, sp) * len(s.Folds)
			like = append(like, p[i:i+len(s.Folds)]...)
		}
		bags = append(bags, bagged{trial: t, fit: f, oof: like, seconds: time.Since(tick).Seconds()})
		oof = append(oof, like)
	}
	var y [][]float64
	for _, sp := range shared {
		on, err := s.On(sp)
		if err != nil {
			return nil, nil, nil, err
		}
		for k := range on.Folds {
			y = append(y, takeFloats(s.Y, on.Folds[k].Valid))
		}
	}
	counts, foldScores, err := selectEnsemble(s.Metric, y, oof, tiedWithLeader(s.Metric, cands), o.Ensemble.withDefaults().Steps)
	if err != nil {
		return nil, nil, nil, err
	}
	return ensembleOf(bags, counts), bags, foldScores, nil
}

// ensemble builds the ensemble of the candidates and scores it on the
// holdout.
func (h *holdoutRun) ensemble(ctx context.Context, cands []journal.Trial, o HoldoutOptions) (HoldoutScore, []bagged, *Fitted, error) {
	start := time.Now()
	f, bags, foldScores, err := h.buildEnsemble(ctx, cands, o)
	if err != nil {
		return HoldoutScore{}, nil, nil, err
	}
	rep, se, curves, err := h.score(ctx, f)
	if err != nil {
		return HoldoutScore{}, nil, nil, fmt.Errorf("ensemble: %w", err)
	}
	mean, std := meanStd(foldScores)
	sc := HoldoutScore{Trial: f.Parts[0].Trial, CV: Num(mean), CVStd: Num(std), CVSE: Num(std / math.Sqrt(float64(len(foldScores)))), Holdout: rep, SE: se, Trees: f.Trees, Final: FinalEnsemble, Parts: f.Parts, Seconds: time.Since(start).Seconds(), curves: curves}
	return sc, bags, f, nil
}

// trialSpec decodes a journaled trial's spec.
func trialSpec(t journal.Trial) (TrialSpec, error) {
	var spec TrialSpec
	if err := json.Unmarshal(t.Spec, &spec); err != nil {
		return spec, fmt.Errorf("trial %d: spec unreadable: %w", t.ID, err)
	}
	return spec, nil
}
