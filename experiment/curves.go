package experiment

import (
	"math"
	"sort"

	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
)

// Curves are thinned to about this many points: enough for a figure, and
// a holdout read stays a few kilobytes at any holdout size.
const (
	maxCurvePoints  = 200
	calibrationBins = 10
)

// holdoutCurves computes a model's ROC and precision-recall curves and its
// calibration on the holdout. The curves step through the distinct
// predicted probabilities from the highest down (tied rows move
// together, as scikit-learn's roc_curve and precision_recall_curve do);
// calibration groups rows into equal-width probability bins.
func holdoutCurves(y, p []float64) *journal.Curves {
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
	c := &journal.Curves{ROC: []journal.CurvePoint{{X: 0, Y: 0}}}
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
		c.ROC = append(c.ROC, journal.CurvePoint{X: ratio(fp, neg), Y: ratio(tp, pos)})
		c.PR = append(c.PR, journal.CurvePoint{X: ratio(tp, pos), Y: ratio(tp, tp+fp)})
	}
	c.ROC, c.PR = thin(c.ROC), thin(c.PR)
	var sumP, sumY [calibrationBins]float64
	var n [calibrationBins]int
	for i, v := range p {
		b := min(max(int(v*calibrationBins), 0), calibrationBins-1)
		sumP[b] += v
		sumY[b] += y[i]
		n[b]++
	}
	for b := range n {
		if n[b] > 0 {
			c.Calibration = append(c.Calibration, journal.CalibrationBin{Predicted: sumP[b] / float64(n[b]), Observed: sumY[b] / float64(n[b]), Rows: n[b]})
		}
	}
	return c
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// thin keeps about maxCurvePoints points, evenly spaced along the curve,
// always the first and the last.
func thin(ps []journal.CurvePoint) []journal.CurvePoint {
	if len(ps) <= maxCurvePoints {
		return ps
	}
	out := make([]journal.CurvePoint, 0, maxCurvePoints+1)
	step := float64(len(ps)-1) / float64(maxCurvePoints)
	for k := 0; k < maxCurvePoints; k++ {
		out = append(out, ps[int(math.Round(float64(k)*step))])
	}
	return append(out, ps[len(ps)-1])
}

// finalImportance is a final model's gain importance per feature: each
// GBDT member's split gains per feature (LightGBM's importance_type
// "gain") as shares of that member's total, averaged with the members'
// weights; largest first. Logistic-regression members have no gain and
// are left out (the shares are over the GBDT members' weight). Nil when
// the model has no GBDT member.
func finalImportance(f *Fitted) []journal.FeatureGain {
	share := map[string]float64{}
	weight := 0.0
	for _, m := range f.Members {
		g, ok := m.Model.(*gbdt.Model)
		if !ok {
			continue
		}
		imp := g.FeatureImportance()
		total := 0.0
		for _, x := range imp {
			total += x.Gain
		}
		if total == 0 {
			continue
		}
		weight += m.Weight
		for _, x := range imp {
			if x.Gain > 0 {
				share[x.Feature] += m.Weight * x.Gain / total
			}
		}
	}
	if weight == 0 {
		return nil
	}
	out := make([]journal.FeatureGain, 0, len(share))
	for k, v := range share {
		out = append(out, journal.FeatureGain{Feature: k, Gain: v / weight})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Gain != out[b].Gain {
			return out[a].Gain > out[b].Gain
		}
		return out[a].Feature < out[b].Feature
	})
	return out
}
