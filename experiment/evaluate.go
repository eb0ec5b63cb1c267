package experiment

import (
	"context"
	"fmt"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/learners"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// Outcome is what evaluating one trial produced.
type Outcome struct {
	FoldScores    []float64
	BestIteration []int
	Timings       map[string]float64 // seconds per journal.Phase*, summed over folds
	Screen        *float64           // the screening rung's score, when the study screens
	Pruned        bool
	PruneReason   string
}

// PruneFunc is asked after each fold but the last whether the trial should
// stop; scores are the folds done so far.
type PruneFunc func(scores []float64) (stop bool, reason string)

// Gates decide between rungs whether a trial goes on; a nil gate lets it.
type Gates struct {
	Screen ScreenFunc // after the screening rung (studies that screen)
	Prune  PruneFunc  // after each fold but the last
}

// Evaluate cross-validates one trial on the search part: for each fold the
// feature pipeline is fitted on the fold's training rows and applied to its
// validation rows, the model is trained (GBDT early-stopping on the
// validation part) and the fold is scored with the study metric. When the
// study screens, the screening rung runs first the same way and g.Screen
// decides whether the folds follow. threads is the number of threads the
// trial may use.
func (s *Search) Evaluate(ctx context.Context, spec TrialSpec, threads int, g Gates) (*Outcome, error) {
	out := &Outcome{Timings: map[string]float64{}}
	fs, err := s.featureSpec(spec.Features)
	if err != nil {
		return nil, err
	}
	l, err := learners.Lookup(spec.Model)
	if err != nil {
		return nil, err
	}
	_, iterative := l.(trainer.Iterative)
	start := time.Now()
	defer func() { out.Timings[journal.PhaseTotal] = time.Since(start).Seconds() }()
	if s.ScreenFrac > 0 {
		score, _, err := s.evaluateFold(ctx, spec, fs, len(s.Folds), threads, out.Timings)
		if err != nil {
			return nil, fmt.Errorf("screening rung: %w", err)
		}
		out.Screen = &score
		if g.Screen != nil {
			if ok, why := g.Screen(score); !ok {
				out.Pruned, out.PruneReason = true, why
				return out, nil
			}
		}
	}
	for k := range s.Folds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		score, bestIter, err := s.evaluateFold(ctx, spec, fs, k, threads, out.Timings)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", k+1, err)
		}
		out.FoldScores = append(out.FoldScores, score)
		if iterative {
			out.BestIteration = append(out.BestIteration, bestIter)
		}
		if g.Prune != nil && k < len(s.Folds)-1 {
			if stop, why := g.Prune(out.FoldScores); stop {
				out.Pruned, out.PruneReason = true, why
				break
			}
		}
	}
	return out, nil
}

// evaluateFold trains and scores one fold: k indexes s.Folds, or is
// len(s.Folds) for the screening rung.
func (s *Search) evaluateFold(ctx context.Context, spec TrialSpec, fs *dsl.Spec, k int, threads int, timings map[string]float64) (float64, int, error) {
	ff, err := s.fitFold(ctx, spec, fs, k, threads, timings)
	if err != nil {
		return 0, 0, err
	}
	tick := time.Now()
	pred, err := ff.validProba()
	if err != nil {
		return 0, 0, locateValueError(s.Frame, s.fold(k).Valid, err)
	}
	score, err := scoreMetric(s.Metric, takeFloats(s.Y, s.fold(k).Valid), pred)
	timings[journal.PhasePredict] += time.Since(tick).Seconds()
	return score, ff.bestIter, err
}

// foldFit is one fold's fitted trial: the feature pipeline (nil for base
// columns) and the model trained on the fold's training rows, and the
// fold's validation rows as the model's design.
type foldFit struct {
	final.Member
	valid    *trainer.Dataset
	bestIter int
}

// fitFold fits the trial on fold k's training rows (k == len(s.Folds): the
// screening rung): the pipeline on those rows only, GBDT early-stopping on
// the fold's validation part.
func (s *Search) fitFold(ctx context.Context, spec TrialSpec, fs *dsl.Spec, k int, threads int, timings map[string]float64) (*foldFit, error) {
	fold := s.fold(k)
	if !foldRowsSorted(fold) {
		return nil, fmt.Errorf("fold rows are not in increasing order")
	}
	yTrain, yValid := takeFloats(s.Y, fold.Train), takeFloats(s.Y, fold.Valid)
	tick := time.Now()
	phase := func(name string) {
		now := time.Now()
		timings[name] += now.Sub(tick).Seconds()
		tick = now
	}
	ff := &foldFit{Member: final.Member{Kind: spec.Model}}
	l, err := learners.Lookup(spec.Model)
	if err != nil {
		return nil, err
	}

	// Features: base columns straight from the shared design, or the
	// pipeline fitted on this fold's training rows only.
	var trainDS, validDS *trainer.Dataset
	if fs != nil {
		trainFrame, validFrame := s.Frame.Take(fold.Train), s.Frame.Take(fold.Valid)
		pipe, trainOut, err := dsl.Fit(ctx, fs, trainFrame, yTrain, dsl.FitOptions{
			Folds: 5, Seed: spec.Seed + uint64(k), TimeCol: s.TimeCol, Leaks: s.Leaks, Threads: threads,
		})
		if err != nil {
			return nil, err
		}
		validOut, err := pipe.Apply(ctx, validFrame)
		if err != nil {
			return nil, err
		}
		ff.Pipeline = pipe
		trainDS, validDS = DesignFromOutput(trainOut), DesignFromOutput(validOut)
		if !l.Usable(trainDS) {
			return nil, fmt.Errorf("the feature set leaves no columns the %s model can use", spec.Model)
		}
	} else if len(s.base.Features) == 0 {
		return nil, fmt.Errorf("the table has no usable base columns (%s); this trial needs a feature set (text and identifier columns need transforms)", describeUnused(s.unused))
	}
	phase(journal.PhaseFeatures)

	in := trainer.FitInput{Params: spec.Params, Seed: spec.Seed, Threads: threads}
	if trainDS == nil {
		in.Train = trainer.Part{Data: s.base, Labels: s.Y, Rows: fold.Train, Memo: s.memo}
		in.Valid = &trainer.Part{Data: s.base, Labels: s.Y, Rows: fold.Valid, Memo: s.memo}
		validDS = s.foldValid(k)
	} else {
		in.Train = trainer.Part{Data: trainDS, Labels: yTrain}
		in.Valid = &trainer.Part{Data: validDS, Labels: yValid}
	}
	fit, err := l.Fit(ctx, in)
	if err != nil {
		return nil, locateValueError(s.Frame, fold.Train, err)
	}
	ff.Model, ff.bestIter = fit.Model, fit.BestIteration
	// The learner's own data preparation (binning) is the bin phase.
	timings[journal.PhaseBin] += fit.PrepareSeconds
	phase(journal.PhaseTrain)
	timings[journal.PhaseTrain] -= fit.PrepareSeconds
	ff.valid = validDS
	return ff, nil
}

// validProba is the fold model's probabilities on the fold's validation
// rows: for GBDT the scores its early stopping kept (equal to predicting
// them again, bit for bit, at a fraction of the cost).
func (ff *foldFit) validProba() ([]float64, error) {
	if m, ok := ff.Model.(interface{ ValidationProba() []float64 }); ok {
		if p := m.ValidationProba(); p != nil {
			return p, nil
		}
	}
	return ff.Model.PredictProba(ff.valid)
}

func scoreMetric(metric string, y, p []float64) (float64, error) {
	switch metric {
	case MetricAUC:
		return metrics.ROCAUC(y, p, nil)
	case MetricPRAUC:
		return metrics.AveragePrecision(y, p, nil)
	case MetricLogLoss:
		return metrics.LogLoss(y, p, nil, 0)
	}
	return 0, fmt.Errorf("unknown metric %q", metric)
}
