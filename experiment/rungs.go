package experiment

import "slices"

// foldMedians holds what the median pruner compares a trial with: for
// each fold count k, the running means over the first k folds of every
// trial that reported at least k folds (finished or pruned), kept sorted.
// A trial adds its means once, when it ends; the pruner reads the median
// under the session's lock. Collecting and sorting the whole study's
// scores for every trial grew with the study (issue 20: 0.9% of a late
// window's CPU at 20,000 trials, the largest share outside the trials
// after the planner); an insertion is one binary search and a move.
type foldMedians struct {
	byFolds [][]float64 // byFolds[k-1]: the running means at k folds, ascending
}

// add counts one ended trial's fold scores.
func (m *foldMedians) add(scores []float64) {
	for k := 1; k <= len(scores); k++ {
		if len(m.byFolds) < k {
			m.byFolds = append(m.byFolds, nil)
		}
		mean, _ := meanStd(scores[:k])
		at, _ := slices.BinarySearch(m.byFolds[k-1], mean)
		m.byFolds[k-1] = slices.Insert(m.byFolds[k-1], at, mean)
	}
}

// median is the median running mean at k folds and how many trials it
// is taken over (0: none yet).
func (m *foldMedians) median(k int) (float64, int) {
	if k < 1 || k > len(m.byFolds) || len(m.byFolds[k-1]) == 0 {
		return 0, 0
	}
	s := m.byFolds[k-1]
	n := len(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2, n
	}
	return s[n/2], n
}
