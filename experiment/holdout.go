package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

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
	Spec    TrialSpec
	Members []member
	// Trees is the GBDT's number of trees: of the refit (the mean best
	// iteration over the trial's folds), or the mean over the bag's
	// members (the weighted mean over an ensemble's trials); 0 for logreg.
	Trees int
	// Parts are an ensemble's trials and weights (nil for one trial's
	// model); Spec is then the heaviest trial's.
	Parts []EnsemblePart
}

// member is one fitted model with its feature pipeline (nil for base
// columns).
type member struct {
	pipeline *dsl.Pipeline
	model    trainer.Model
	weight   float64 // share of the average (the members' weights sum to 1)
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
// each member having seen (K-1)/K of the search part.
func (s *Search) Bag(ctx context.Context, spec TrialSpec, threads int) (*Fitted, error) {
	f, _, err := s.bag(ctx, spec, threads, false)
	return f, err
}

// Refit trains spec on every row of the search part. GBDT trees: the mean
// of the trial's per-fold best iterations (early stopping has no
// validation part left to watch).
func (s *Search) Refit(ctx context.Context, spec TrialSpec, bestIter []int, threads int) (*Fitted, error) {
	f := &Fitted{Spec: spec}
	var m member
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
		m.pipeline, design = pipe, DesignFromOutput(out)
	} else {
		design = s.base
	}
	l, err := learners.Lookup(spec.Model)
	if err != nil {
		return nil, err
	}
	in := trainer.FitInput{Params: spec.Params, Seed: spec.Seed, Threads: threads, Train: trainer.Part{Data: design, Labels: s.Y}}
	if fs == nil {
		in.Train.Memo = &s.memo
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
	m.model = fit.Model
	m.weight = 1
	f.Members = []member{m}
	return f, nil
}

// Predict scores a frame with the fitted pipelines and models: the
// members' probabilities averaged with their weights. Its columns must be
// the study's (same kinds and dictionaries: features.AlignTo).
func (f *Fitted) Predict(ctx context.Context, s *Search, fr *features.Frame) ([]float64, error) {
	var base *trainer.Dataset
	sum := make([]float64, fr.Rows)
	weights := 0.0
	for _, m := range f.Members {
		design := base
		if m.pipeline != nil {
			out, err := m.pipeline.Apply(ctx, fr)
			if err != nil {
				return nil, err
			}
			design = DesignFromOutput(out)
		} else if base == nil {
			base, _ = DesignFromFrame(fr.Without(s.hidden...))
			design = base
		}
		p, err := m.model.PredictProba(design)
		if err != nil {
			return nil, err
		}
		for i, v := range p {
			sum[i] += m.weight * v
		}
		weights += m.weight
	}
	if weights != 1 {
		for i := range sum {
			sum[i] /= weights
		}
	}
	return sum, nil
}

// HoldoutScore is one final model scored on the holdout: a trial's bag or
// refit, or the ensemble (Trial is then its heaviest trial, CV and CVStd
// the ensemble's own out-of-fold score over the same folds, Parts its
// trials and weights).
type HoldoutScore struct {
	Trial   uint64         `json:"trial"`
	CV      Num            `json:"cv"`
	CVStd   Num            `json:"cv_std"`
	Holdout metrics.Report `json:"holdout"`
	Trees   int            `json:"trees,omitempty"`
	Final   string         `json:"final"` // FinalEnsemble, FinalBag or FinalRefit
	Parts   []EnsemblePart `json:"parts,omitempty"`
	// Seconds is the time taken to fit this model (the ensemble's: all its
	// candidates' bags and the selection).
	Seconds float64 `json:"seconds"`
}

// HoldoutOptions choose the final model ScoreHoldout scores.
type HoldoutOptions struct {
	Top      int    // trials scored one by one (their bags or refits)
	Threads  int    // threads per fit
	Final    string // FinalEnsemble (default), FinalBag or FinalRefit
	Ensemble EnsembleOptions
}

// ScoreHoldout fits the study's final models on the search part and
// scores each once on the holdout rows, recording the figures in the
// journal (a trial's in the trial, the ensemble's in a "holdout" event).
// With FinalEnsemble the ensemble comes first, then the best o.Top
// trials' bags; otherwise the best o.Top trials' bags or refits, the
// leader first. This is the only path (with promotion) that reads holdout
// rows.
func ScoreHoldout(ctx context.Context, j *journal.Journal, study string, o HoldoutOptions) ([]HoldoutScore, error) {
	if o.Final == "" {
		o.Final = FinalEnsemble
	}
	if o.Final != FinalEnsemble && o.Final != FinalBag && o.Final != FinalRefit {
		return nil, fmt.Errorf("final model %q: want %s, %s or %s", o.Final, FinalEnsemble, FinalBag, FinalRefit)
	}
	st, cfg, err := readStudy(j, study)
	if err != nil {
		return nil, err
	}
	tab, err := LoadTable(TableSpec{Path: cfg.Data, Target: cfg.Target, Positive: cfg.Positive, Load: cfg.Load})
	if err != nil {
		return nil, err
	}
	fp, err := journal.FingerprintFile(ctx, cfg.Data)
	if err != nil {
		return nil, err
	}
	if !fp.Equal(st.Data) {
		return nil, fmt.Errorf("%s: %w (was %s, now %s)", cfg.Data, ErrDataChanged, st.Data, fp)
	}
	s, err := NewSearch(tab, cfg.HoldoutRows, &cfg)
	if err != nil {
		return nil, err
	}
	h := &holdoutRun{j: j, study: study, s: s, hold: tab.Frame.Take(cfg.HoldoutRows), y: takeFloats(tab.Target.Y, cfg.HoldoutRows)}
	trials, err := j.ListTrials(study)
	if err != nil {
		return nil, err
	}
	// The leader (best lower bound) first, then the rest by mean; finished
	// trials only.
	var board []journal.Trial
	if inc, ok := leaderOf(cfg.Metric, trials); ok {
		board = append(board, inc)
		for _, t := range Leaderboard(trials, cfg.Metric) {
			if t.ID != inc.ID && t.State == journal.TrialDone {
				board = append(board, t)
			}
		}
	}
	var out []HoldoutScore
	bags := map[uint64]bagged{}
	if o.Final == FinalEnsemble && len(board) > 0 {
		sc, cands, err := h.ensemble(ctx, ensembleCandidates(board, trials, o.Ensemble.withDefaults()), o)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
		for _, c := range cands {
			bags[c.trial.ID] = c
		}
	}
	for _, t := range board[:min(o.Top, len(board))] {
		start := time.Now()
		f := bags[t.ID].fit
		if f == nil { // not bagged for the ensemble
			spec, err := trialSpec(t)
			if err != nil {
				return nil, err
			}
			if o.Final == FinalRefit {
				f, err = s.Refit(ctx, spec, t.BestIteration, o.Threads)
			} else {
				f, err = s.Bag(ctx, spec, o.Threads)
			}
			if err != nil {
				return nil, fmt.Errorf("trial %d: %s: %w", t.ID, o.Final, err)
			}
		}
		rep, err := h.score(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("trial %d: %w", t.ID, err)
		}
		t.Holdout = map[string]float64{"auc": rep.AUC, "pr_auc": rep.PRAUC, "logloss": rep.LogLoss, "brier": rep.Brier}
		if _, err := j.PutTrial(study, t); err != nil {
			return nil, err
		}
		final := o.Final
		if final == FinalEnsemble {
			final = FinalBag
		}
		// Seconds: the fit and the scoring (a bag reused from the ensemble: its fit then).
		secs := time.Since(start).Seconds() + bags[t.ID].seconds
		out = append(out, HoldoutScore{Trial: t.ID, CV: Num(t.Mean), CVStd: Num(t.Std), Holdout: rep, Trees: f.Trees, Final: final, Seconds: secs})
	}
	return out, nil
}

// holdoutRun is one ScoreHoldout call's search part and holdout rows.
type holdoutRun struct {
	j     *journal.Journal
	study string
	s     *Search
	hold  *features.Frame
	y     []float64
}

// score predicts the holdout rows with f and computes every metric.
func (h *holdoutRun) score(ctx context.Context, f *Fitted) (metrics.Report, error) {
	pred, err := f.Predict(ctx, h.s, h.hold)
	if err != nil {
		return metrics.Report{}, fmt.Errorf("predict the holdout: %w", err)
	}
	rep, err := metrics.Compute(h.y, pred)
	if err != nil {
		return metrics.Report{}, fmt.Errorf("holdout: %w", err)
	}
	return rep, nil
}

// ensemble bags the candidates, selects their weights on the out-of-fold
// predictions, scores the ensemble on the holdout and journals it as a
// "holdout" event.
func (h *holdoutRun) ensemble(ctx context.Context, cands []journal.Trial, o HoldoutOptions) (HoldoutScore, []bagged, error) {
	start := time.Now()
	s := h.s
	var bags []bagged
	var oof [][][]float64
	for _, t := range cands {
		spec, err := trialSpec(t)
		if err != nil {
			return HoldoutScore{}, nil, err
		}
		tick := time.Now()
		f, p, err := s.bag(ctx, spec, o.Threads, true)
		if err != nil {
			return HoldoutScore{}, nil, fmt.Errorf("trial %d: bag: %w", t.ID, err)
		}
		bags = append(bags, bagged{trial: t, fit: f, oof: p, seconds: time.Since(tick).Seconds()})
		oof = append(oof, p)
	}
	y := make([][]float64, len(s.Folds))
	for k := range s.Folds {
		y[k] = takeFloats(s.Y, s.Folds[k].Valid)
	}
	counts, foldScores, err := selectEnsemble(s.Metric, y, oof, tiedWithLeader(s.Metric, cands), o.Ensemble.withDefaults().Steps)
	if err != nil {
		return HoldoutScore{}, nil, err
	}
	f := ensembleOf(bags, counts)
	parts := f.Parts
	rep, err := h.score(ctx, f)
	if err != nil {
		return HoldoutScore{}, nil, fmt.Errorf("ensemble: %w", err)
	}
	mean, std := meanStd(foldScores)
	sc := HoldoutScore{Trial: parts[0].Trial, CV: Num(mean), CVStd: Num(std), Holdout: rep, Trees: f.Trees, Final: FinalEnsemble, Parts: parts, Seconds: time.Since(start).Seconds()}
	ids := make([]string, len(cands))
	for i, t := range cands {
		ids[i] = strconv.FormatUint(t.ID, 10)
	}
	_, err = h.j.AddEvent(h.study, journal.Event{
		Kind: "holdout", Time: time.Now().UTC(),
		Message: fmt.Sprintf("ensemble of %s (from %d candidates): holdout AUC %.4f, CV %.4f ± %.4f", DescribeParts(parts), len(cands), rep.AUC, mean, std),
		Details: map[string]string{
			"final": FinalEnsemble, "parts": DescribeParts(parts), "candidates": strings.Join(ids, ","),
			"cv": fmtFloat(mean), "cv_std": fmtFloat(std),
			"auc": fmtFloat(rep.AUC), "pr_auc": fmtFloat(rep.PRAUC), "logloss": fmtFloat(rep.LogLoss), "brier": fmtFloat(rep.Brier),
		},
	})
	return sc, bags, err
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// trialSpec decodes a journaled trial's spec.
func trialSpec(t journal.Trial) (TrialSpec, error) {
	var spec TrialSpec
	if err := json.Unmarshal(t.Spec, &spec); err != nil {
		return spec, fmt.Errorf("trial %d: spec unreadable: %w", t.ID, err)
	}
	return spec, nil
}
