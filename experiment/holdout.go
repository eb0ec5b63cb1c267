package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
	"github.com/nightshift-ml/nightshift/trainer/linear"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// Fitted is a trial's final model: its spec refitted on the whole search
// part (one member), or the bag of its fold models (one member per fold,
// predictions averaged). It is what promotion exports.
type Fitted struct {
	Spec    TrialSpec
	Members []member
	// Trees is the GBDT's number of trees: of the refit (the mean best
	// iteration over the trial's folds), or the mean over the bag's
	// members; 0 for logreg.
	Trees int
}

// member is one fitted model with its feature pipeline (nil for base
// columns).
type member struct {
	pipeline *dsl.Pipeline
	model    trainer.Model
}

// Final models a study can score on the holdout.
const (
	FinalRefit = "refit" // the spec trained once on the whole search part
	FinalBag   = "bag"   // the K fold models the CV score measured, averaged
)

// Bag fits spec on each fold exactly as Evaluate did (the pipeline on the
// fold's training rows, GBDT early-stopping on its validation part) and
// keeps the K models: their average is the model the CV score describes,
// each member having seen (K-1)/K of the search part.
func (s *Search) Bag(ctx context.Context, spec TrialSpec, threads int) (*Fitted, error) {
	fs, err := s.featureSpec(spec.Features)
	if err != nil {
		return nil, err
	}
	f := &Fitted{Spec: spec}
	trees := 0
	for k := range s.Folds {
		ff, err := s.fitFold(ctx, spec, fs, k, threads, map[string]float64{})
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", k+1, err)
		}
		f.Members = append(f.Members, ff.member)
		trees += ff.bestIter
	}
	if spec.Model == ModelGBDT {
		f.Trees = int(math.Round(float64(trees) / float64(len(s.Folds))))
	}
	return f, nil
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
	switch spec.Model {
	case ModelGBDT:
		kv := gbdtParams(spec, threads)
		kv["early_stopping_round"] = "0"
		if len(bestIter) > 0 {
			sum := 0
			for _, b := range bestIter {
				sum += b
			}
			f.Trees = max(1, int(math.Round(float64(sum)/float64(len(bestIter)))))
			kv["num_iterations"] = strconv.Itoa(f.Trees)
		}
		p, err := gbdt.ParseParams(kv)
		if err != nil {
			return nil, err
		}
		var b *gbdt.BinnedDataset
		if spec.Features == "" {
			b, err = s.binned(ctx, p.MaxBin)
		} else {
			b, err = gbdt.NewBinnedDataset(ctx, design, p.MaxBin)
		}
		if err != nil {
			return nil, err
		}
		if m.model, err = gbdt.Train(ctx, p, gbdt.Data{Binned: b, Labels: s.Y}, nil); err != nil {
			return nil, err
		}
	case ModelLogreg:
		p, err := linear.ParseParams(spec.Params)
		if err != nil {
			return nil, err
		}
		if m.model, err = linear.Fit(ctx, design, s.Y, p); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("model %q: want gbdt or logreg", spec.Model)
	}
	f.Members = []member{m}
	return f, nil
}

// Predict scores a frame with the fitted pipelines and models, averaging
// the members' probabilities. Its columns must be the study's (same kinds
// and dictionaries: features.AlignTo).
func (f *Fitted) Predict(ctx context.Context, s *Search, fr *features.Frame) ([]float64, error) {
	var base *trainer.Dataset
	var sum []float64
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
		if sum == nil {
			sum = p
			continue
		}
		for i, v := range p {
			sum[i] += v
		}
	}
	if len(f.Members) > 1 {
		for i := range sum {
			sum[i] /= float64(len(f.Members))
		}
	}
	return sum, nil
}

// HoldoutScore is one trial scored on the holdout.
type HoldoutScore struct {
	Trial   uint64         `json:"trial"`
	CV      Num            `json:"cv"`
	CVStd   Num            `json:"cv_std"`
	Holdout metrics.Report `json:"holdout"`
	Trees   int            `json:"trees,omitempty"`
	Final   string         `json:"final"` // FinalBag or FinalRefit
}

// ScoreHoldout refits the incumbent and the next best trials (top in all)
// on the whole search part and
// scores it once on the holdout rows, recording the figures in the
// journal. This is the only path (with promotion) that reads holdout rows.
func ScoreHoldout(ctx context.Context, j *journal.Journal, study string, top int, threads int, final string) ([]HoldoutScore, error) {
	if final != FinalBag && final != FinalRefit {
		return nil, fmt.Errorf("final model %q: want %s or %s", final, FinalBag, FinalRefit)
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
	hold := tab.Frame.Take(cfg.HoldoutRows)
	yHold := takeFloats(tab.Target.Y, cfg.HoldoutRows)
	trials, err := j.ListTrials(study)
	if err != nil {
		return nil, err
	}
	// The leader (best lower bound) first, then the rest by mean.
	board := Leaderboard(trials, cfg.Metric)
	if inc, ok := leaderOf(cfg.Metric, trials); ok {
		ordered := []journal.Trial{inc}
		for _, t := range board {
			if t.ID != inc.ID {
				ordered = append(ordered, t)
			}
		}
		board = ordered
	}
	var out []HoldoutScore
	for _, t := range board {
		if len(out) == top {
			break
		}
		if t.State != journal.TrialDone {
			continue
		}
		var spec TrialSpec
		if err := json.Unmarshal(t.Spec, &spec); err != nil {
			return nil, fmt.Errorf("trial %d: spec unreadable: %w", t.ID, err)
		}
		var f *Fitted
		if final == FinalBag {
			f, err = s.Bag(ctx, spec, threads)
		} else {
			f, err = s.Refit(ctx, spec, t.BestIteration, threads)
		}
		if err != nil {
			return nil, fmt.Errorf("trial %d: %s: %w", t.ID, final, err)
		}
		pred, err := f.Predict(ctx, s, hold)
		if err != nil {
			return nil, fmt.Errorf("trial %d: predict the holdout: %w", t.ID, err)
		}
		rep, err := metrics.Compute(yHold, pred)
		if err != nil {
			return nil, fmt.Errorf("trial %d: holdout: %w", t.ID, err)
		}
		t.Holdout = map[string]float64{"auc": rep.AUC, "pr_auc": rep.PRAUC, "logloss": rep.LogLoss, "brier": rep.Brier}
		if _, err := j.PutTrial(study, t); err != nil {
			return nil, err
		}
		out = append(out, HoldoutScore{Trial: t.ID, CV: Num(t.Mean), CVStd: Num(t.Std), Holdout: rep, Trees: f.Trees, Final: final})
	}
	return out, nil
}
