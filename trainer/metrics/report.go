package metrics

import (
	"fmt"
	"math"
)

// Report is every metric nightshift shows for one set of validation scores.
// The JSON names are stable: fit --json, the journal and the report read them.
type Report struct {
	Rows      int     `json:"rows"`      // rows scored (including zero-weight rows)
	Positives int     `json:"positives"` // rows with label 1
	AUC       float64 `json:"auc"`       // ROC AUC, ties averaged
	AUCStdErr float64 `json:"auc_se"`    // Hanley–McNeil standard error of AUC (row counts)
	PRAUC     float64 `json:"pr_auc"`    // average precision
	LogLoss   float64 `json:"logloss"`   // mean, clipped at Eps
	Brier     float64 `json:"brier"`

	// At Threshold (default 0.5): predicted positive when score >= Threshold.
	Threshold float64 `json:"threshold"`
	Accuracy  float64 `json:"accuracy"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`

	// At the distinct score that maximises F1 (highest such score on ties).
	BestF1Threshold float64 `json:"best_f1_threshold"`
	BestF1          float64 `json:"best_f1"`
	BestF1Precision float64 `json:"best_f1_precision"`
	BestF1Recall    float64 `json:"best_f1_recall"`

	// The highest recall among thresholds whose precision is >= PrecisionTarget;
	// 0 with RecallAtPrecisionThreshold nil when none reaches it.
	PrecisionTarget            float64  `json:"precision_target"`
	RecallAtPrecision          float64  `json:"recall_at_precision"`
	RecallAtPrecisionThreshold *float64 `json:"recall_at_precision_threshold,omitempty"`
}

// Options tune ComputeWith. The zero value gives Compute's defaults.
type Options struct {
	Weights         []float64 // per-row sample weights; nil = all 1
	Threshold       float64   // decision threshold; 0 means 0.5
	PrecisionTarget float64   // for RecallAtPrecision; 0 means 0.9
	Eps             float64   // log-loss clipping; 0 means DefaultEps
}

// Compute scores probabilities p against 0/1 labels y with default options.
// Errors: ErrLengthMismatch, ErrEmpty, ErrOneClass, ErrBadLabel, ErrNaNScore,
// ErrScoreRange.
func Compute(y, p []float64) (Report, error) { return ComputeWith(y, p, Options{}) }

// ComputeWith is Compute with weights, threshold, precision target and eps.
func ComputeWith(y, p []float64, o Options) (Report, error) {
	if o.Threshold == 0 {
		o.Threshold = 0.5
	}
	if o.PrecisionTarget == 0 {
		o.PrecisionTarget = 0.9
	}
	if o.Eps == 0 {
		o.Eps = DefaultEps
	}
	switch {
	case math.IsNaN(o.Threshold) || math.IsInf(o.Threshold, 0):
		return Report{}, fmt.Errorf("%w: threshold %v, want a finite number", ErrBadOption, o.Threshold)
	case !(o.PrecisionTarget > 0 && o.PrecisionTarget <= 1):
		return Report{}, fmt.Errorf("%w: precision target %v, want 0 < target <= 1", ErrBadOption, o.PrecisionTarget)
	case !(o.Eps > 0 && o.Eps < 0.5):
		return Report{}, fmt.Errorf("%w: eps %v, want 0 < eps < 0.5", ErrBadOption, o.Eps)
	}
	w := o.Weights
	pos, neg, err := checkLabels(y, p, w, true)
	if err != nil {
		return Report{}, err
	}
	r := Report{Rows: len(y), Threshold: o.Threshold, PrecisionTarget: o.PrecisionTarget}
	// Hanley–McNeil needs row counts; zero-weight rows do not count.
	var sePos, seNeg int
	for i, yi := range y {
		if yi == 1 {
			r.Positives++
		}
		if w != nil && w[i] == 0 {
			continue
		}
		if yi == 1 {
			sePos++
		} else {
			seNeg++
		}
	}
	c := buildCurve(y, p, w, pos, neg)
	r.AUC = c.rocAUC()
	r.AUCStdErr = AUCStdErr(r.AUC, sePos, seNeg)
	r.PRAUC = c.averagePrecision()
	r.LogLoss = logLoss(y, p, w, o.Eps)
	r.Brier = brier(y, p, w)

	cm := confusionAt(y, p, w, o.Threshold)
	r.Accuracy, r.Precision, r.Recall, r.F1 = cm.Accuracy(), cm.Precision(), cm.Recall(), cm.F1()

	k, f1 := c.bestF1()
	r.BestF1Threshold, r.BestF1 = c.thr[k], f1
	r.BestF1Precision = c.tps[k] / (c.tps[k] + c.fps[k])
	r.BestF1Recall = c.tps[k] / c.pos

	if k := c.recallAtPrecision(o.PrecisionTarget); k >= 0 {
		r.RecallAtPrecision = c.tps[k] / c.pos
		t := c.thr[k]
		r.RecallAtPrecisionThreshold = &t
	}
	return r, nil
}
