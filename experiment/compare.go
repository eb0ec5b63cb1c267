package experiment

import (
	"fmt"
	"math"
	"sort"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

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

// compareFolds runs a one-sided paired t-test over folds (every trial uses
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
func compareFolds(metric string, challenger, incumbent []float64, incID uint64) Comparison {
	k := min(len(challenger), len(incumbent))
	sign := 1.0
	if !higherIsBetter(metric) {
		sign = -1
	}
	if k < 2 {
		return Comparison{Verdict: "not compared: fewer than 2 folds"}
	}
	d := make([]float64, k)
	for i := range d {
		d[i] = sign * (challenger[i] - incumbent[i])
	}
	m, s := meanStd(d)
	c := Comparison{Diff: m, Crit: tCrit90[min(k-2, len(tCrit90)-1)]}
	switch {
	case s == 0 && m > 0:
		c.T = math.Inf(1)
	case s == 0:
		c.T = 0
	default:
		c.T = m / (s * math.Sqrt(1/float64(k)+1/float64(k-1)))
	}
	c.Better = m > 0 && c.T > c.Crit
	switch {
	case c.Better:
		c.Verdict = fmt.Sprintf("new incumbent: %+.4f %s over #%d (corrected paired t=%.2f > %.2f, %d folds)", m, metric, incID, c.T, c.Crit, k)
	case m > 0:
		c.Verdict = fmt.Sprintf("not significantly better than #%d: %+.4f %s (corrected paired t=%.2f ≤ %.2f)", incID, m, metric, c.T, c.Crit)
	default:
		c.Verdict = fmt.Sprintf("worse than #%d: %+.4f %s", incID, m, metric)
	}
	return c
}

// incumbentOf replays the finished trials in the order they finished and
// returns the incumbent: the first finished trial, replaced only by a
// trial that beats it by compareFolds.
func incumbentOf(metric string, trials []journal.Trial) (journal.Trial, bool) {
	var done []journal.Trial
	for _, t := range trials {
		if t.State == journal.TrialDone && len(t.FoldScores) > 0 {
			done = append(done, t)
		}
	}
	sort.SliceStable(done, func(a, b int) bool {
		if !done[a].Finished.Equal(done[b].Finished) {
			return done[a].Finished.Before(done[b].Finished)
		}
		return done[a].ID < done[b].ID
	})
	if len(done) == 0 {
		return journal.Trial{}, false
	}
	inc := done[0]
	for _, t := range done[1:] {
		if compareFolds(metric, t.FoldScores, inc.FoldScores, inc.ID).Better {
			inc = t
		}
	}
	return inc, true
}

// medianPrune is Optuna's MedianPruner over folds: after at least
// pruneWarmup folds, a trial whose running mean is worse than the median of the
// running means of earlier trials at the same fold count (finished or
// pruned, as long as they reached it) stops. It waits until pruneStartup
// earlier trials reached that fold. pruneWarmup is one fold, as Optuna's
// default (n_warmup_steps=0 prunes after the first reported step): every
// trial runs the same folds, so fold 1's scores are compared on the same
// rows; waiting for two folds made pruned trials cost 2/5 of a full one
// (on vehicle_claims, 1.43x the trials per CPU-minute with one fold, the
// same best trial after 150 s).
const (
	pruneStartup = 5
	pruneWarmup  = 1
)

func medianPrune(metric string, done [][]float64) PruneFunc {
	return func(scores []float64) (bool, string) {
		k := len(scores)
		if k < pruneWarmup {
			return false, ""
		}
		var others []float64
		for _, fs := range done {
			if len(fs) >= k {
				m, _ := meanStd(fs[:k])
				others = append(others, m)
			}
		}
		if len(others) < pruneStartup {
			return false, ""
		}
		sort.Float64s(others)
		med := others[len(others)/2]
		if len(others)%2 == 0 {
			med = (others[len(others)/2-1] + others[len(others)/2]) / 2
		}
		m, _ := meanStd(scores)
		worse := m < med
		if !higherIsBetter(metric) {
			worse = m > med
		}
		if worse {
			return true, fmt.Sprintf("pruned after %d folds: running mean %.4f is worse than the median %.4f of %d earlier trials at that fold", k, m, med, len(others))
		}
		return false, ""
	}
}

// leaderOf is the study's pick: the finished trial with the best mean −
// standard error (studyview.Leader, which status and the report share).
func leaderOf(metric string, trials []journal.Trial) (journal.Trial, bool) {
	return studyview.Leader(metric, trials)
}
