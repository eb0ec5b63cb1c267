package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"

	"github.com/nightshift-ml/nightshift/trainer/split"
)

// Multi-fidelity on large data. Below largeRows search rows every trial
// runs the study's K folds (5 by default) with median pruning after two.
// From largeRows up, a fold's validation part alone holds tens of
// thousands of rows, so fold-to-fold noise is small next to the
// differences between configurations, while one fold costs tens of
// seconds; there:
//
//   - the default is 3 folds instead of 5 (resolveFolds);
//   - every trial first runs a screening rung: its model trained on a
//     stratified sample of fold 1's training rows and scored on a sample
//     of fold 1's validation rows (screenFraction of each), about 1/25 of
//     the full evaluation's cost. Only trials whose screening score is
//     among the best 1/screenEta of all screened trials so far go on to
//     the full folds (screenGate: successive halving's promotion rule,
//     applied as each trial arrives, like ASHA); the rest end pruned with
//     their screening score journaled.
//
// The planner's TPE ranks finished trials above trials pruned at a fold,
// and those above trials screened out (observations in builtin.go), as
// Optuna's TPE ranks complete trials above pruned ones.
const (
	largeRows     = 200_000
	largeFolds    = 3
	screenDefault = 1.0 / 8
	screenMinRows = 25_000
	screenEta     = 3
	screenStartup = 4
)

// resolveFolds returns the number of folds for a search part of rows rows:
// folds itself when set, else 5, or largeFolds from largeRows rows up.
func resolveFolds(folds, rows int) int {
	if folds > 0 {
		return folds
	}
	if rows >= largeRows {
		return largeFolds
	}
	return 5
}

// validScreen reports whether v is a valid --screen value.
func validScreen(v string) bool {
	switch v {
	case "", "auto", "off":
		return true
	}
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f > 0 && f <= 0.5
}

// screenFraction returns the share of fold 1 the screening rung trains and
// scores on (0 when the study does not screen) and the fewest rows of each
// part it keeps: "auto" screens from largeRows search rows up, on at least
// screenMinRows rows; a number screens at any size on exactly that share;
// "" (studies journaled before screening existed) and "off" never screen.
func screenFraction(v string, rows int) (frac float64, minRows int) {
	switch v {
	case "", "off":
		return 0, 0
	case "auto":
		if rows < largeRows {
			return 0, 0
		}
		return screenDefault, screenMinRows
	}
	f, _ := strconv.ParseFloat(v, 64)
	return f, 0
}

// screenFold draws the screening rung's rows from fold: a stratified
// sample of frac of its training and of its validation rows (at least
// minRows of each when the fold has them), sorted.
func screenFold(fold split.Fold, y []float64, frac float64, minRows int, seed uint64) split.Fold {
	rng := rand.New(rand.NewPCG(seed, 0x5c7ee2))
	return split.Fold{
		Train: stratifiedSample(fold.Train, y, frac, minRows, rng),
		Valid: stratifiedSample(fold.Valid, y, frac, minRows, rng),
	}
}

// stratifiedSample keeps about frac of rows (at least minRows, or all),
// the same share of each class, in increasing order.
func stratifiedSample(rows []int, y []float64, frac float64, minRows int, rng *rand.Rand) []int {
	n := max(int(math.Ceil(frac*float64(len(rows)))), minRows)
	if n >= len(rows) {
		return slices.Clone(rows)
	}
	var byClass [2][]int
	for _, r := range rows {
		c := 0
		if y[r] > 0.5 {
			c = 1
		}
		byClass[c] = append(byClass[c], r)
	}
	out := make([]int, 0, n)
	for _, cls := range byClass {
		k := int(math.Round(float64(len(cls)) * float64(n) / float64(len(rows))))
		k = min(max(k, 1), len(cls))
		rng.Shuffle(len(cls), func(i, j int) { cls[i], cls[j] = cls[j], cls[i] })
		out = append(out, cls[:k]...)
	}
	slices.Sort(out)
	return out
}

// ScreenFunc is asked after a trial's screening rung whether it goes on
// to the full folds; reason says why not.
type ScreenFunc func(score float64) (promote bool, reason string)

// screenGate promotes a trial when its screening score is among the best
// ceil(n/screenEta) of the n screens so far (the earlier ones and its
// own); the first screenStartup trials are always promoted, so that the
// pruners downstream have full-fidelity results to compare with.
func screenGate(metric string, earlier []float64, frac float64) ScreenFunc {
	orient := func(x float64) float64 {
		if higherIsBetter(metric) {
			return x
		}
		return -x
	}
	return func(score float64) (bool, string) {
		if math.IsNaN(score) {
			return false, fmt.Sprintf("screened out: the screening rung's %s is undefined", metric)
		}
		var all []float64
		for _, e := range earlier {
			if !math.IsNaN(e) {
				all = append(all, orient(e))
			}
		}
		if len(all) < screenStartup {
			return true, ""
		}
		all = append(all, orient(score))
		sort.Sort(sort.Reverse(sort.Float64Slice(all)))
		keep := int(math.Ceil(float64(len(all)) / screenEta))
		cut := all[keep-1]
		if orient(score) >= cut {
			return true, ""
		}
		return false, fmt.Sprintf("screened out: %s %.4f on the screening rung (%.3g of fold 1's rows) is not among the best %d of %d screened trials (cut-off %.4f)",
			metric, score, frac, keep, len(all), orient(cut))
	}
}
