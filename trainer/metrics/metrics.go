package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// DefaultEps is the log-loss clipping bound: float64 machine epsilon, which is
// what scikit-learn 1.2's log_loss uses with its default eps="auto"
// (np.finfo(float64).eps). Releases before 1.2 used 1e-15.
const DefaultEps = 0x1p-52

// checkLabels validates y (0/1), p and optional w, and returns the total
// weight of positives and negatives. probs additionally requires p in [0, 1].
func checkLabels(y, p, w []float64, probs bool) (pos, neg float64, err error) {
	if len(y) != len(p) {
		return 0, 0, fmt.Errorf("%w: %d labels, %d scores", ErrLengthMismatch, len(y), len(p))
	}
	if w != nil && len(w) != len(y) {
		return 0, 0, fmt.Errorf("%w: %d labels, %d weights", ErrLengthMismatch, len(y), len(w))
	}
	if len(y) == 0 {
		return 0, 0, ErrEmpty
	}
	for i, yi := range y {
		if yi != 0 && yi != 1 {
			return 0, 0, fmt.Errorf("%w: row %d has label %v", ErrBadLabel, i, yi)
		}
		if math.IsNaN(p[i]) || math.IsInf(p[i], 0) {
			return 0, 0, fmt.Errorf("%w: row %d has score %v", ErrNaNScore, i, p[i])
		}
		if probs && (p[i] < 0 || p[i] > 1) {
			return 0, 0, fmt.Errorf("%w: row %d has score %v", ErrScoreRange, i, p[i])
		}
		wi := 1.0
		if w != nil {
			wi = w[i]
			if wi < 0 || math.IsNaN(wi) || math.IsInf(wi, 0) {
				return 0, 0, fmt.Errorf("%w: row %d has weight %v", ErrBadWeight, i, wi)
			}
		}
		if yi == 1 {
			pos += wi
		} else {
			neg += wi
		}
	}
	if pos+neg == 0 {
		return 0, 0, fmt.Errorf("%w: all %d weights are zero", ErrEmpty, len(y))
	}
	if pos == 0 || neg == 0 {
		return pos, neg, fmt.Errorf("%w: %v positive and %v negative (weighted)", ErrOneClass, pos, neg)
	}
	return pos, neg, nil
}

// curve holds the cumulative (weighted) true and false positives at each
// distinct score, scores descending: row i is predicted positive at
// threshold thr[k] when score >= thr[k]. This is sklearn's _binary_clf_curve.
type curve struct {
	thr, tps, fps []float64
	pos, neg      float64
}

func buildCurve(y, p, w []float64, pos, neg float64) curve {
	idx := make([]int, 0, len(y))
	for i := range y {
		if w == nil || w[i] != 0 { // zero-weight rows add no point (as sklearn drops them)
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(p[b], p[a]) })
	c := curve{pos: pos, neg: neg}
	var tp, fp float64
	for k, i := range idx {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if y[i] == 1 {
			tp += wi
		} else {
			fp += wi
		}
		if k+1 == len(idx) || p[idx[k+1]] != p[i] {
			c.thr = append(c.thr, p[i])
			c.tps = append(c.tps, tp)
			c.fps = append(c.fps, fp)
		}
	}
	return c
}

// rocAUC is the trapezoid area under (fps/neg, tps/pos); a run of tied scores
// is one straight segment, which counts each tied positive–negative pair as ½.
func (c curve) rocAUC() float64 {
	var area, tp0, fp0 float64
	for k := range c.thr {
		area += (c.fps[k] - fp0) * (c.tps[k] + tp0) / 2
		tp0, fp0 = c.tps[k], c.fps[k]
	}
	return area / (c.pos * c.neg)
}

// averagePrecision is Σ_k (R_k − R_{k−1}) P_k (sklearn's average_precision_score,
// no interpolation).
func (c curve) averagePrecision() float64 {
	var ap, tp0 float64
	for k := range c.thr {
		if d := c.tps[k] - tp0; d > 0 {
			ap += d / c.pos * c.tps[k] / (c.tps[k] + c.fps[k])
		}
		tp0 = c.tps[k]
	}
	return ap
}

// bestF1 returns the curve point with the highest F1 = 2TP / (TP + FP + P);
// among equal F1 the highest threshold wins.
func (c curve) bestF1() (k int, f1 float64) {
	k, f1 = -1, -1
	for i := range c.thr {
		if v := 2 * c.tps[i] / (c.tps[i] + c.fps[i] + c.pos); v > f1 {
			k, f1 = i, v
		}
	}
	return k, f1
}

// recallAtPrecision returns the curve point with the highest recall whose
// precision is at least target, or -1 when no threshold reaches it.
func (c curve) recallAtPrecision(target float64) int {
	best := -1
	for k := range c.thr {
		if c.tps[k]/(c.tps[k]+c.fps[k]) >= target && (best < 0 || c.tps[k] > c.tps[best]) {
			best = k
		}
	}
	return best
}

// ROCAUC is the area under the ROC curve, exact, ties averaged; it equals
// sklearn.metrics.roc_auc_score(y, p, sample_weight=w). w may be nil.
func ROCAUC(y, p, w []float64) (float64, error) {
	pos, neg, err := checkLabels(y, p, w, false)
	if err != nil {
		return math.NaN(), err
	}
	return buildCurve(y, p, w, pos, neg).rocAUC(), nil
}

// AveragePrecision is the area under the precision–recall curve as
// sklearn.metrics.average_precision_score(y, p, sample_weight=w) computes it.
func AveragePrecision(y, p, w []float64) (float64, error) {
	pos, neg, err := checkLabels(y, p, w, false)
	if err != nil {
		return math.NaN(), err
	}
	return buildCurve(y, p, w, pos, neg).averagePrecision(), nil
}

// LogLoss is the (weighted) mean negative log-likelihood with probabilities
// clipped to [eps, 1-eps]; eps <= 0 means DefaultEps. It equals
// sklearn.metrics.log_loss(y, p, sample_weight=w, eps=eps).
func LogLoss(y, p, w []float64, eps float64) (float64, error) {
	if _, _, err := checkLabels(y, p, w, true); err != nil {
		return math.NaN(), err
	}
	if eps <= 0 {
		eps = DefaultEps
	}
	if eps >= 0.5 {
		return math.NaN(), fmt.Errorf("%w: eps %v, want 0 < eps < 0.5", ErrBadOption, eps)
	}
	return logLoss(y, p, w, eps), nil
}

func logLoss(y, p, w []float64, eps float64) float64 {
	var sum, sw float64
	for i, yi := range y {
		q := min(max(p[i], eps), 1-eps)
		// sklearn renormalises the pair (1-q, q) by its sum; keep that rounding.
		s := (1 - q) + q
		var l float64
		if yi == 1 {
			l = -math.Log(q / s)
		} else {
			l = -math.Log((1 - q) / s)
		}
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		sum += wi * l
		sw += wi
	}
	return sum / sw
}

// Brier is the (weighted) mean squared difference between p and y, as
// sklearn.metrics.brier_score_loss.
func Brier(y, p, w []float64) (float64, error) {
	if _, _, err := checkLabels(y, p, w, true); err != nil {
		return math.NaN(), err
	}
	return brier(y, p, w), nil
}

func brier(y, p, w []float64) float64 {
	var sum, sw float64
	for i, yi := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		d := yi - p[i]
		sum += wi * d * d
		sw += wi
	}
	return sum / sw
}

// AUCStdErr is the Hanley–McNeil (1982) standard error of an AUC estimated
// from nPos positives and nNeg negatives:
//
//	Q1 = A/(2−A), Q2 = 2A²/(1+A),
//	SE² = [A(1−A) + (nPos−1)(Q1−A²) + (nNeg−1)(Q2−A²)] / (nPos·nNeg).
//
// It returns NaN when either count is zero or auc is outside [0, 1].
func AUCStdErr(auc float64, nPos, nNeg int) float64 {
	if nPos <= 0 || nNeg <= 0 || !(auc >= 0 && auc <= 1) {
		return math.NaN()
	}
	q1 := auc / (2 - auc)
	q2 := 2 * auc * auc / (1 + auc)
	a2 := auc * auc
	v := (auc*(1-auc) + float64(nPos-1)*(q1-a2) + float64(nNeg-1)*(q2-a2)) / (float64(nPos) * float64(nNeg))
	return math.Sqrt(max(v, 0))
}
