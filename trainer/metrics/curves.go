package metrics

import (
	"math"
	"sort"
)

// Curves are a scored sample's ROC and precision-recall curves and its
// calibration.
type Curves struct {
	ROC         []CurvePoint     // false positive rate → true positive rate, from (0,0) to (1,1)
	PR          []CurvePoint     // recall → precision, by falling threshold
	Calibration []CalibrationBin // by predicted probability, equal-width bins, empty ones left out
}

// CurvePoint is one point of a curve.
type CurvePoint struct{ X, Y float64 }

// CalibrationBin is the rows whose predicted probability falls in one
// bin: their mean prediction, their observed positive rate, how many.
type CalibrationBin struct {
	Predicted, Observed float64
	Rows                int
}

// Curves are thinned to about MaxCurvePoints points: enough for a figure,
// and a holdout read stays a few kilobytes at any holdout size.
const (
	MaxCurvePoints  = 200
	CalibrationBins = 10
)

// ComputeCurves computes a model's ROC and precision-recall curves and
// its calibration on labels y (0 or 1) and probabilities p. The curves
// step through the distinct predicted probabilities from the highest down
// (tied rows move together, as scikit-learn's roc_curve and
// precision_recall_curve do), thinned to about MaxCurvePoints; calibration
// groups rows into CalibrationBins equal-width probability bins. A rate
// with a zero denominator (no positives, say) is NaN.
func ComputeCurves(y, p []float64) Curves {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	var pos, neg float64
	for _, v := range y {
		if v == 1 {
			pos++
		} else {
			neg++
		}
	}
	c := Curves{ROC: []CurvePoint{{X: 0, Y: 0}}}
	var tp, fp float64
	for k, i := range idx {
		if y[i] == 1 {
			tp++
		} else {
			fp++
		}
		if k+1 < len(idx) && p[idx[k+1]] == p[i] {
			continue // the next row has the same score: one threshold
		}
		c.ROC = append(c.ROC, CurvePoint{X: rateOrNaN(fp, neg), Y: rateOrNaN(tp, pos)})
		c.PR = append(c.PR, CurvePoint{X: rateOrNaN(tp, pos), Y: rateOrNaN(tp, tp+fp)})
	}
	c.ROC, c.PR = thin(c.ROC), thin(c.PR)
	var sumP, sumY [CalibrationBins]float64
	var n [CalibrationBins]int
	for i, v := range p {
		b := min(max(int(v*CalibrationBins), 0), CalibrationBins-1)
		sumP[b] += v
		sumY[b] += y[i]
		n[b]++
	}
	for b := range n {
		if n[b] > 0 {
			c.Calibration = append(c.Calibration, CalibrationBin{Predicted: sumP[b] / float64(n[b]), Observed: sumY[b] / float64(n[b]), Rows: n[b]})
		}
	}
	return c
}

// rateOrNaN is a/b, NaN when b is 0 (a curve's undefined rate; ratio,
// for the thresholded metrics, says 0).
func rateOrNaN(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// thin keeps about MaxCurvePoints points, evenly spaced along the curve,
// always the first and the last.
func thin(ps []CurvePoint) []CurvePoint {
	if len(ps) <= MaxCurvePoints {
		return ps
	}
	out := make([]CurvePoint, 0, MaxCurvePoints+1)
	step := float64(len(ps)-1) / float64(MaxCurvePoints)
	for k := 0; k < MaxCurvePoints; k++ {
		out = append(out, ps[int(math.Round(float64(k)*step))])
	}
	return append(out, ps[len(ps)-1])
}
