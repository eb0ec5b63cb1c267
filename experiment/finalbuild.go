package experiment

import (
	"context"
	"fmt"
	"math"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// FinalChoice chooses a study's final model as holdout does: the study's
// ensemble (FinalEnsemble), or one trial's bag (FinalBag) or refit
// (FinalRefit) — the leader's, or Trial's when it is not 0.
type FinalChoice struct {
	Final    string
	Trial    uint64
	Ensemble EnsembleOptions
	Threads  int
}

// Holdout is a study opened for one holdout read outside ScoreHoldout:
// the seam through which experiment/promote builds a final model, scores
// it on the holdout rows and records the read, without reaching into the
// study's search.
type Holdout struct{ h *holdoutRun }

// OpenHoldout reads a study for a holdout read: its config and trials,
// the data (refused when its fingerprint changed), the search part and
// the holdout rows. It fails with ErrNoFinishedTrial when there is
// nothing to build.
func OpenHoldout(ctx context.Context, j *journal.Journal, study string) (*Holdout, error) {
	h, err := openHoldout(ctx, j, study)
	if err != nil {
		return nil, err
	}
	return &Holdout{h: h}, nil
}

// Study is the study's journal record.
func (o *Holdout) Study() journal.Study { return o.h.study }

// Config is the study's configuration.
func (o *Holdout) Config() StudyConfig { return o.h.cfg }

// Labels are the holdout rows' labels (1 positive, 0 negative), in the
// order of Config().HoldoutRows.
func (o *Holdout) Labels() []float64 { return o.h.y }

// Search is the study's search part (never a holdout row).
func (o *Holdout) Search() *Search { return o.h.s }

// Positive is the label value read as the positive class.
func (o *Holdout) Positive() string { return o.h.s.label.Positive }

// Trial is the study's trial id (the zero Trial when there is none).
func (o *Holdout) Trial(id uint64) journal.Trial { return o.h.trials[id] }

// Build fits the chosen final model on the search part. Its score carries
// the cross-validated figures; Score adds the holdout's.
func (o *Holdout) Build(ctx context.Context, c FinalChoice) (*Fitted, HoldoutScore, error) {
	h := o.h
	if c.Final == FinalEnsemble {
		cands := ensembleCandidates(h.board, h.all, c.Ensemble.withDefaults())
		f, _, foldScores, err := h.buildEnsemble(ctx, cands, HoldoutOptions{Threads: c.Threads, Ensemble: c.Ensemble})
		if err != nil {
			return nil, HoldoutScore{}, err
		}
		mean, std := meanStd(foldScores)
		return f, HoldoutScore{Trial: f.Parts[0].Trial, CV: Num(mean), CVStd: Num(std), CVSE: Num(std / math.Sqrt(float64(len(foldScores)))), Trees: f.Trees, Final: FinalEnsemble, Parts: f.Parts}, nil
	}
	t := h.board[0]
	if c.Trial != 0 {
		var ok bool
		if t, ok = h.trials[c.Trial]; !ok || t.State != journal.TrialDone {
			return nil, HoldoutScore{}, fmt.Errorf("--trial %d: not a finished trial of study %q (the leader is trial %d)", c.Trial, h.study.Name, h.board[0].ID)
		}
	}
	spec, err := trialSpec(t)
	if err != nil {
		return nil, HoldoutScore{}, err
	}
	var f *Fitted
	if c.Final == FinalRefit {
		f, err = h.s.Refit(ctx, spec, t.BestIteration, c.Threads)
	} else {
		f, err = h.s.Bag(ctx, spec, c.Threads, splitsOf(t)...)
	}
	if err != nil {
		return nil, HoldoutScore{}, fmt.Errorf("trial %d: %s: %w", t.ID, c.Final, err)
	}
	for i := range f.Members {
		f.Members[i].Trial = t.ID
	}
	f.Parts = []EnsemblePart{{Trial: t.ID, Weight: 1}}
	return f, HoldoutScore{Trial: t.ID, CV: Num(t.Mean), CVStd: Num(t.Std), CVSE: Num(studyview.StdErr(t)), Trees: f.Trees, Final: c.Final, Parts: f.Parts}, nil
}

// Score predicts the holdout rows with f and fills sc's holdout figures,
// their standard errors, the curves and the feature importance (for the
// journaled read). It returns the predictions, in holdout row order.
func (o *Holdout) Score(ctx context.Context, f *Fitted, sc *HoldoutScore) ([]float64, error) {
	pred, rep, se, err := o.h.predict(ctx, f)
	if err != nil {
		return nil, err
	}
	sc.Holdout, sc.SE = rep, se
	sc.curves, sc.importance = holdoutCurves(o.h.y, pred), finalImportance(f)
	return pred, nil
}

// Record adds a scored model to a holdout read in role ("final" or
// "trial"), as ScoreHoldout records its own.
func (o *Holdout) Record(read *journal.HoldoutRead, role string, sc HoldoutScore) {
	o.h.record(read, role, sc)
}

// SpecOf decodes a journaled trial's spec.
func SpecOf(t journal.Trial) (TrialSpec, error) { return trialSpec(t) }

// MetricValues are a holdout report's figures by metric name: what a
// holdout read and a registry version record.
func MetricValues(rep metrics.Report) map[string]float64 {
	return map[string]float64{MetricAUC: rep.AUC, MetricPRAUC: rep.PRAUC, MetricLogLoss: rep.LogLoss, "brier": rep.Brier}
}
