package studyview

import (
	"math"
	"sort"

	"github.com/nightshift-ml/nightshift/journal"
)

// Leader returns the finished trial with the highest lower bound on its
// score: mean − standard error over folds (oriented so that higher is
// better), ties to the lower ID. It is the study's pick — for the planner
// to build on, for the holdout, promotion and every leaderboard. The
// incumbent (the experiment package's) only changes on a significant
// fold-paired win and records which improvements were real; choosing by it
// would keep an early trial that later ones beat by amounts each test
// alone cannot confirm (on creditcard_10k a first-finished logistic
// regression at holdout AUC 0.978 against tuned GBDTs at 0.981–0.984). The
// lower bound still discounts a trial whose mean rests on one lucky fold.
//
// A spec re-evaluated on further fold splits (racing) competes with its
// splits pooled (Pool): the returned trial is its split-0 trial with the
// pooled scores.
func Leader(metric string, trials []journal.Trial) (journal.Trial, bool) {
	trials = Pool(trials)
	var best journal.Trial
	bestLB := math.Inf(-1)
	found := false
	for _, t := range trials {
		if t.State != journal.TrialDone || len(t.FoldScores) == 0 || math.IsNaN(t.Mean) {
			continue
		}
		lb := LowerBound(metric, t)
		if !found || lb > bestLB || (lb == bestLB && t.ID < best.ID) {
			best, bestLB, found = t, lb, true
		}
	}
	return best, found
}

// LowerBound is a trial's mean minus its standard error over folds
// (std/√k), with the mean negated first for a metric where lower is better.
func LowerBound(metric string, t journal.Trial) float64 {
	m := t.Mean
	if !HigherIsBetter(metric) {
		m = -m
	}
	if se := StdErr(t); !math.IsNaN(se) {
		m -= se
	}
	return m
}

// StdErr is the standard error of a trial's mean over its folds; NaN
// (shown as absent, null in JSON) with fewer than two folds, which have no
// spread: a trial pruned after one fold is not a trial of SE 0. For a spec
// pooled over r splits of k folds (Pool) it is its split-0 σ/√k — split 0
// is the one split every spec ran, so every spec's spread is measured on
// the same folds (a split with one hard fold would otherwise make the
// raced specs look less certain than those that never left split 0) —
// scaled by how much repeating the CV shrinks the variance of the mean by
// Bouckaert and Frank's corrected repeated-CV estimate (PAKDD 2004, after
// Nadeau and Bengio): σ²·(1/(rk) + 1/(k−1)) against σ²·(1/k + 1/(k−1))
// for one split. Repetition averages out the fold-to-fold noise but not
// what the overlapping training sets share, so r splits never count as r
// times the evidence (at k = 5: ×0.88 at r = 2, ×0.84 at 3, never below
// ×0.745).
func StdErr(t journal.Trial) float64 {
	n := len(t.FoldScores)
	if n < 2 || math.IsNaN(t.Std) {
		return math.NaN()
	}
	r := len(SplitsOf(t))
	k := n / r
	if r < 2 || k < 2 {
		return t.Std / math.Sqrt(float64(n))
	}
	_, sd0 := meanStd(t.FoldScores[:k])
	rk, kk := float64(r*k), float64(k)
	return sd0 / math.Sqrt(kk) * math.Sqrt((1/rk+1/(kk-1))/(1/kk+1/(kk-1)))
}

// FoldStd is a trial's standard deviation over its folds; NaN with fewer
// than two folds (the journal holds 0 for one).
func FoldStd(t journal.Trial) float64 {
	if len(t.FoldScores) < 2 {
		return math.NaN()
	}
	return t.Std
}

// Leaderboard returns a study's finished trials best first: done trials by
// mean in the metric's direction, then pruned ones by their partial mean;
// within each, a trial without a mean (NaN) last, ties in ID order.
//
// A spec's re-evaluations are pooled into its split-0 trial (Pool) and
// not listed on their own.
func Leaderboard(trials []journal.Trial, metric string) []journal.Trial {
	var out []journal.Trial
	for _, t := range Pool(trials) {
		if t.State == journal.TrialDone || t.State == journal.TrialPruned {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if (out[a].State == journal.TrialDone) != (out[b].State == journal.TrialDone) {
			return out[a].State == journal.TrialDone
		}
		if na, nb := math.IsNaN(out[a].Mean), math.IsNaN(out[b].Mean); na || nb {
			return !na && nb
		}
		if HigherIsBetter(metric) {
			return out[a].Mean > out[b].Mean
		}
		return out[a].Mean < out[b].Mean
	})
	return out
}
