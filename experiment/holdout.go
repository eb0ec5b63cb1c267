package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
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

// Fitted is a trial's spec refitted on the whole search part: the feature
// pipeline (nil for base columns) and the model. It is what promotion
// exports.
type Fitted struct {
	Spec     TrialSpec
	Pipeline *dsl.Pipeline
	Model    trainer.Model
	// Trees is the GBDT's number of trees (the mean best iteration over the
	// trial's folds); 0 for logreg.
	Trees int
}

// Refit trains spec on every row of the search part. GBDT trees: the mean
// of the trial's per-fold best iterations (early stopping has no
// validation part left to watch).
func (s *Search) Refit(ctx context.Context, spec TrialSpec, bestIter []int, threads int) (*Fitted, error) {
	f := &Fitted{Spec: spec}
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
		f.Pipeline, design = pipe, DesignFromOutput(out)
	} else {
		design = s.base
	}
	switch spec.Model {
	case ModelGBDT:
		kv := maps.Clone(spec.Params)
		kv["num_threads"] = strconv.Itoa(threads)
		kv["seed"] = strconv.FormatUint(spec.Seed, 10)
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
		m, err := gbdt.Train(ctx, p, gbdt.Data{Binned: b, Labels: s.Y}, nil)
		if err != nil {
			return nil, err
		}
		f.Model = m
	case ModelLogreg:
		p, err := linear.ParseParams(spec.Params)
		if err != nil {
			return nil, err
		}
		m, err := linear.Fit(ctx, design, s.Y, p)
		if err != nil {
			return nil, err
		}
		f.Model = m
	default:
		return nil, fmt.Errorf("model %q: want gbdt or logreg", spec.Model)
	}
	return f, nil
}

// Predict scores a frame with the fitted pipeline and model. Its columns
// must be the study's (same kinds and dictionaries: features.AlignTo).
func (f *Fitted) Predict(ctx context.Context, s *Search, fr *features.Frame) ([]float64, error) {
	var design *trainer.Dataset
	if f.Pipeline != nil {
		out, err := f.Pipeline.Apply(ctx, fr)
		if err != nil {
			return nil, err
		}
		design = DesignFromOutput(out)
	} else {
		design, _ = DesignFromFrame(fr.Without(s.hidden...))
	}
	return f.Model.PredictProba(design)
}

// HoldoutScore is one trial scored on the holdout.
type HoldoutScore struct {
	Trial   uint64         `json:"trial"`
	CV      Num            `json:"cv"`
	CVStd   Num            `json:"cv_std"`
	Holdout metrics.Report `json:"holdout"`
	Trees   int            `json:"trees,omitempty"`
}

// ScoreHoldout refits the incumbent and the next best trials (top in all)
// on the whole search part and
// scores it once on the holdout rows, recording the figures in the
// journal. This is the only path (with promotion) that reads holdout rows.
func ScoreHoldout(ctx context.Context, j *journal.Journal, study string, top int, threads int) ([]HoldoutScore, error) {
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
		f, err := s.Refit(ctx, spec, t.BestIteration, threads)
		if err != nil {
			return nil, fmt.Errorf("trial %d: refit: %w", t.ID, err)
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
		out = append(out, HoldoutScore{Trial: t.ID, CV: Num(t.Mean), CVStd: Num(t.Std), Holdout: rep, Trees: f.Trees})
	}
	return out, nil
}
