package plan

import (
	"fmt"
	"math"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// Metrics a study may optimise (defined once, in the read model).
const (
	MetricAUC     = studyview.MetricAUC
	MetricPRAUC   = studyview.MetricPRAUC
	MetricLogLoss = studyview.MetricLogLoss
)

// HigherIsBetter tells the direction of a metric (studyview.HigherIsBetter).
func HigherIsBetter(metric string) bool { return studyview.HigherIsBetter(metric) }

// MeanStd returns the mean and the sample standard deviation (n-1) of xs.
func MeanStd(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	if len(xs) < 2 {
		return m, 0
	}
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)-1))
}

// tCrit90 is the one-sided 90% quantile of Student's t with df = index+1:
// the noise threshold a challenger's paired t must clear. 95% kept a
// first-finished logistic regression as incumbent on creditcard_10k against
// 500 GBDT trials, the best +0.0029 AUC (t = 1.62 over 5 folds): too
// conservative for 5 folds; 90% still asks for a difference about 1.5
// standard errors from zero.
var tCrit90 = []float64{3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372,
	1.363, 1.356, 1.350, 1.345, 1.341, 1.337, 1.333, 1.330, 1.328}

// Comparison is the noise-aware verdict of a trial against the incumbent.
type Comparison struct {
	Better  bool
	Diff    float64 // mean fold-paired difference, oriented (positive = better)
	T       float64 // paired t statistic, Nadeau–Bengio corrected
	Crit    float64 // the t it had to clear
	Verdict string
}

// CompareFolds runs a one-sided paired t-test over folds (every trial uses
// the same folds, so fold k of both saw the same rows): the challenger is
// better only when the mean paired difference is positive and t clears the
// 90% quantile. With identical folds this removes the fold-to-fold noise
// that makes a raw mean comparison chase luck. The variance of the mean
// difference is Nadeau and Bengio's corrected resampled estimate (Machine
// Learning 52, 2003): s²·(1/k + n_valid/n_train) = s²·(1/k + 1/(k-1)) for
// k folds, not s²/k — the folds' training parts overlap, so their
// differences are correlated and the plain estimate is too small (on
// creditcard_10k a feature set's paired difference moved by 0.002–0.003
// between CV seeds against a plain standard error of 0.001).
func CompareFolds(metric string, challenger, incumbent []float64, incID uint64) Comparison {
	k := min(len(challenger), len(incumbent))
	return compareDiffs(metric, pairedDiffs(metric, challenger[:k], incumbent[:k]), k, incID)
}

// ComparePaired is CompareFolds between two trials that may pool several
// fold splits (studyview.Pool): only the (split, fold) pairs both have are
// compared — fold k of split s saw the same rows in both — and the
// Nadeau–Bengio correction is that of repeated CV over those n pairs with
// k folds per split, s²·(1/n + 1/(k−1)) (Bouckaert and Frank 2004), which
// for one shared split is CompareFolds'.
func ComparePaired(metric string, challenger, incumbent journal.Trial) Comparison {
	a, b := PairedScores(challenger, incumbent)
	k := studyview.FoldsPerSplit(challenger)
	if challenger.Data != incumbent.Data {
		return Comparison{Verdict: fmt.Sprintf("not compared: #%d ran on version %d of the data, #%d on version %d: their folds hold other rows", challenger.ID, challenger.Data, incumbent.ID, incumbent.Data)}
	}
	if len(a) == 0 {
		return Comparison{Verdict: fmt.Sprintf("not compared: #%d and #%d share no fold split", challenger.ID, incumbent.ID)}
	}
	return compareDiffs(metric, pairedDiffs(metric, a, b), k, incumbent.ID)
}

// PairedScores are the two trials' scores on the (split, fold) pairs both
// have, in the challenger's order; none when they ran on different
// versions of the study's data.
func PairedScores(challenger, incumbent journal.Trial) (a, b []float64) {
	if challenger.Data != incumbent.Data {
		return nil, nil // other rows in every fold (journal.Trial.Data)
	}
	ka, kb := studyview.FoldsPerSplit(challenger), studyview.FoldsPerSplit(incumbent)
	at := map[int]int{} // split → its first fold's index in incumbent.FoldScores
	for i, sp := range studyview.SplitsOf(incumbent) {
		at[sp] = i * kb
	}
	for i, sp := range studyview.SplitsOf(challenger) {
		j, ok := at[sp]
		if !ok {
			continue
		}
		n := min(ka, kb, len(challenger.FoldScores)-i*ka, len(incumbent.FoldScores)-j)
		a = append(a, challenger.FoldScores[i*ka:i*ka+n]...)
		b = append(b, incumbent.FoldScores[j:j+n]...)
	}
	return a, b
}

func pairedDiffs(metric string, challenger, incumbent []float64) []float64 {
	sign := 1.0
	if !HigherIsBetter(metric) {
		sign = -1
	}
	d := make([]float64, len(challenger))
	for i := range d {
		d[i] = sign * (challenger[i] - incumbent[i])
	}
	return d
}

// compareDiffs tests the oriented paired differences d, from splits of
// k folds each.
func compareDiffs(metric string, d []float64, k int, incID uint64) Comparison {
	n := len(d)
	if n < 2 || k < 2 {
		return Comparison{Verdict: "not compared: fewer than 2 folds"}
	}
	m, s := MeanStd(d)
	c := Comparison{Diff: m, Crit: tCrit90[min(n-2, len(tCrit90)-1)]}
	switch {
	case s == 0 && m > 0:
		c.T = math.Inf(1)
	case s == 0:
		c.T = 0
	default:
		c.T = m / (s * math.Sqrt(1/float64(n)+1/float64(k-1)))
	}
	c.Better = m > 0 && c.T > c.Crit
	switch {
	case c.Better:
		c.Verdict = fmt.Sprintf("new incumbent: %+.4f %s over #%d (corrected paired t=%.2f > %.2f, %d folds)", m, metric, incID, c.T, c.Crit, n)
	case m > 0:
		c.Verdict = fmt.Sprintf("not significantly better than #%d: %+.4f %s (corrected paired t=%.2f ≤ %.2f)", incID, m, metric, c.T, c.Crit)
	default:
		c.Verdict = fmt.Sprintf("worse than #%d: %+.4f %s", incID, m, metric)
	}
	return c
}

// Verdicts of a hypothesis: its clean trial against its parent.
const (
	VerdictConfirmed = "confirmed"
	VerdictNoEffect  = "no effect"
	VerdictRefuted   = "refuted"
)

// Verdict is a hypothesis's outcome: the clean trial's fold-paired
// difference to its parent (oriented: positive = better) with its
// Nadeau–Bengio corrected standard error, judged by CompareFolds in both
// directions at 90%.
type Verdict struct {
	Label    string
	Diff, SE float64
}

// Judge compares a proposal's clean trial with its parent.
func Judge(metric string, trial, parent []float64) Verdict {
	k := min(len(trial), len(parent))
	if k < 2 {
		return Verdict{Label: VerdictNoEffect, Diff: math.NaN(), SE: math.NaN()}
	}
	sign := 1.0
	if !HigherIsBetter(metric) {
		sign = -1
	}
	d := make([]float64, k)
	for i := range d {
		d[i] = sign * (trial[i] - parent[i])
	}
	m, s := MeanStd(d)
	v := Verdict{Label: VerdictNoEffect, Diff: m, SE: s * math.Sqrt(1/float64(k)+1/float64(k-1))}
	switch {
	case CompareFolds(metric, trial, parent, 0).Better:
		v.Label = VerdictConfirmed
	case CompareFolds(metric, parent, trial, 0).Better:
		v.Label = VerdictRefuted
	}
	return v
}
