// Package gate decides whether a challenger model may replace a champion,
// from both models' predictions on the same rows (rows neither trained
// on). For ROC AUC it uses DeLong's test for two correlated AUCs; for
// other metrics a stratified paired bootstrap.
//
// Two gates, both one-sided at 90%:
//   - better: the challenger is higher (better) than the champion: the
//     one-sided p-value of "no better" is below 0.10;
//   - not-worse: the lower 90% confidence bound of challenger − champion
//     (in the better direction) is above −margin.
package gate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// Gates.
const (
	Better   = "better"
	NotWorse = "not-worse"
)

// Level is the gates' one-sided confidence level and z its normal
// quantile (Φ⁻¹(0.90)).
const (
	Level = 0.90
	z90   = 1.2815515655446004
)

// Options choose the gate and the metric.
type Options struct {
	Gate   string  // Better (default) or NotWorse
	Margin float64 // NotWorse: how much worse the challenger may be
	// Metric is "auc" (DeLong), "pr_auc", "logloss" or "brier" (paired
	// bootstrap).
	Metric string
	// Resamples and Seed drive the bootstrap (default 2000 resamples).
	Resamples int
	Seed      uint64
}

// Result is a gate's verdict with its figures.
type Result struct {
	Metric     string  `json:"metric"`
	Method     string  `json:"method"`
	Rows       int     `json:"rows"`
	Positives  int     `json:"positives"`
	Challenger float64 `json:"challenger"`
	Champion   float64 `json:"champion"`
	// Diff is challenger − champion in the metric's own units (for log
	// loss and Brier, lower is better, so a negative Diff is a gain).
	Diff float64 `json:"diff"`
	SE   float64 `json:"se"`
	// Lower and Upper bound Diff with 80% two-sided confidence: each end
	// is a one-sided 90% bound (the gate reads the one on the worse side).
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	// P is the one-sided p-value of "the challenger is no better".
	P      float64 `json:"p"`
	Gate   string  `json:"gate"`
	Margin float64 `json:"margin"`
	Passed bool    `json:"passed"`
}

// String states the verdict in one line with every figure.
func (r Result) String() string {
	verdict := "passes"
	if !r.Passed {
		verdict = "fails"
	}
	want := "the challenger better, one-sided p < 0.10"
	if r.Gate == NotWorse {
		want = fmt.Sprintf("the 90%% bound of challenger − champion %s %s%g", map[bool]string{true: "above", false: "below"}[higherIsBetter(r.Metric)], map[bool]string{true: "−", false: "+"}[higherIsBetter(r.Metric)], r.Margin)
	}
	return fmt.Sprintf("%s: challenger %.4f vs champion %.4f, difference %+.4f (80%% interval %+.4f to %+.4f, SE %.4f), one-sided p = %.3g (%s on %d rows): %s the %s gate (%s)",
		r.Metric, r.Challenger, r.Champion, r.Diff, r.Lower, r.Upper, r.SE, r.P, r.Method, r.Rows, verdict, r.Gate, want)
}

// ErrBadInput marks predictions a gate cannot compare.
var ErrBadInput = errors.New("cannot compare")

// Compare scores both models on y and applies the gate.
func Compare(y, challenger, champion []float64, o Options) (Result, error) {
	if o.Gate == "" {
		o.Gate = Better
	}
	if o.Gate != Better && o.Gate != NotWorse {
		return Result{}, fmt.Errorf("gate %q: want %s or %s", o.Gate, Better, NotWorse)
	}
	if !(o.Margin >= 0) || math.IsInf(o.Margin, 0) {
		return Result{}, fmt.Errorf("margin %v: want a finite number >= 0", o.Margin)
	}
	if len(challenger) != len(y) || len(champion) != len(y) {
		return Result{}, fmt.Errorf("%w: %d labels, %d and %d predictions", ErrBadInput, len(y), len(challenger), len(champion))
	}
	r := Result{Metric: o.Metric, Rows: len(y), Gate: o.Gate, Margin: o.Margin}
	for _, v := range y {
		if v == 1 {
			r.Positives++
		}
	}
	if r.Positives == 0 || r.Positives == len(y) {
		return Result{}, fmt.Errorf("%w: the %d rows hold one class only", ErrBadInput, len(y))
	}
	var err error
	if o.Metric == "auc" {
		r.Method = "DeLong"
		var d DeLongResult
		if d, err = DeLong(y, challenger, champion); err != nil {
			return Result{}, err
		}
		r.Challenger, r.Champion, r.SE = d.AUCA, d.AUCB, d.SE
		r.Diff = d.AUCA - d.AUCB
		r.Lower, r.Upper = r.Diff-z90*r.SE, r.Diff+z90*r.SE
		r.P = upperTail(r.Diff, r.SE)
	} else {
		if err = bootstrap(&r, y, challenger, champion, o); err != nil {
			return Result{}, err
		}
	}
	gainLower := r.Lower // the worse-side bound, as a gain
	if !higherIsBetter(o.Metric) {
		gainLower = -r.Upper
	}
	switch o.Gate {
	case Better:
		r.Passed = r.P < 1-Level
	case NotWorse:
		r.Passed = gainLower > -o.Margin
	}
	return r, nil
}

func higherIsBetter(metric string) bool { return metric != "logloss" && metric != "brier" }

// upperTail is the one-sided p-value of diff ≤ 0 for a normal estimate
// diff with standard error se: 1 − Φ(diff/se). With se 0 (identical
// predictions) it is 0 for a positive diff, 1 for a negative one and ½ for
// none.
func upperTail(diff, se float64) float64 {
	if se == 0 {
		switch {
		case diff > 0:
			return 0
		case diff < 0:
			return 1
		}
		return 0.5
	}
	return 0.5 * math.Erfc(diff/se/math.Sqrt2)
}

// bootstrap fills r for a metric other than AUC: the point estimates on
// the rows, and Diff's distribution over o.Resamples stratified paired
// resamples (positives and negatives each drawn with replacement to their
// own counts, both models scored on the same draw): SE its standard
// deviation, Lower/Upper its 10% and 90% quantiles, P the share of
// resamples (with the +1 correction of Davison & Hinkley 1997, §4.4) in
// which the challenger is no better.
func bootstrap(r *Result, y, a, b []float64, o Options) error {
	score := func(p, w []float64) (float64, error) {
		switch o.Metric {
		case "pr_auc":
			return metrics.AveragePrecision(y, p, w)
		case "logloss":
			return metrics.LogLoss(y, p, w, 0)
		case "brier":
			return metrics.Brier(y, p, w)
		}
		return 0, fmt.Errorf("metric %q: want auc, pr_auc, logloss or brier", o.Metric)
	}
	var err error
	if r.Challenger, err = score(a, nil); err != nil {
		return err
	}
	if r.Champion, err = score(b, nil); err != nil {
		return err
	}
	r.Diff = r.Challenger - r.Champion
	n := o.Resamples
	if n <= 0 {
		n = 2000
	}
	r.Method = fmt.Sprintf("paired bootstrap, %d stratified resamples", n)
	var pos, neg []int
	for i, v := range y {
		if v == 1 {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6a7465))
	w := make([]float64, len(y))
	diffs := make([]float64, n)
	noBetter := 0
	for s := range n {
		clear(w)
		for _, class := range [][]int{pos, neg} {
			for range class {
				w[class[rng.IntN(len(class))]]++
			}
		}
		sa, err := score(a, w)
		if err != nil {
			return err
		}
		sb, err := score(b, w)
		if err != nil {
			return err
		}
		d := sa - sb
		diffs[s] = d
		if (higherIsBetter(o.Metric) && d <= 0) || (!higherIsBetter(o.Metric) && d >= 0) {
			noBetter++
		}
	}
	_, r.SE = meanSD(diffs)
	slices.Sort(diffs)
	r.Lower, r.Upper = quantile(diffs, 1-Level), quantile(diffs, Level)
	r.P = float64(noBetter+1) / float64(n+1)
	return nil
}

// quantile is the q-quantile of sorted xs, linearly interpolated
// (Hyndman & Fan type 7, numpy's default).
func quantile(xs []float64, q float64) float64 {
	h := q * float64(len(xs)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}

func meanSD(xs []float64) (float64, float64) {
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) < 2 {
		return m, 0
	}
	return m, math.Sqrt(v / float64(len(xs)-1))
}
