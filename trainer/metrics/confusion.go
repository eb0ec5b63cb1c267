package metrics

import (
	"fmt"
	"math"
)

// Confusion is a (weighted) confusion matrix at one threshold.
type Confusion struct {
	TP, FP, TN, FN float64
}

// ConfusionAt counts rows with score >= threshold as predicted positive.
// w may be nil.
func ConfusionAt(y, p, w []float64, threshold float64) (Confusion, error) {
	if _, _, err := checkLabels(y, p, w, false); err != nil {
		return Confusion{}, err
	}
	if math.IsNaN(threshold) {
		return Confusion{}, fmt.Errorf("%w: threshold is NaN", ErrBadOption)
	}
	return confusionAt(y, p, w, threshold), nil
}

func confusionAt(y, p, w []float64, threshold float64) Confusion {
	var c Confusion
	for i, yi := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		switch pred := p[i] >= threshold; {
		case pred && yi == 1:
			c.TP += wi
		case pred:
			c.FP += wi
		case yi == 1:
			c.FN += wi
		default:
			c.TN += wi
		}
	}
	return c
}

// Accuracy is (TP+TN)/total.
func (c Confusion) Accuracy() float64 { return (c.TP + c.TN) / (c.TP + c.FP + c.TN + c.FN) }

// Precision is TP/(TP+FP), 0 when nothing is predicted positive
// (sklearn's zero_division=0).
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 when there are no positives.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP/(2TP+FP+FN); 0 when
// both are 0.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
