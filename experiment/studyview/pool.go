package studyview

import (
	"maps"
	"math"
	"slices"

	"github.com/nightshift-ml/nightshift/journal"
)

// Pool is the trials with each spec's re-evaluations (trials on fold
// splits ≥ 1, see journal.Trial.Split) folded into the spec's split-0
// trial, which keeps its ID: its FoldScores become every done split's fold
// scores in split order (Splits names them), its Mean and Std those of all
// of them, its BestIteration and total seconds the splits' together. The
// re-evaluation trials themselves are left out.
//
// Splits differ in difficulty (one split's folds may hold the hard rows),
// and most specs run on split 0 only: a raced spec's plain mean would
// carry its other splits' luck into a comparison with specs that never ran
// there. So each split k ≥ 1 has an offset, the mean over the specs that
// ran on both of (mean on k − mean on 0) — the split effect of a two-way
// additive model, as F-race's blocking removes the instance effect — and a
// spec's split-k fold scores are pooled less that offset. With one spec
// on split k its pooled mean is its split-0 mean; with the field of specs
// on it, the spec-by-split differences, which are the evidence, remain.
// Paired comparisons (plan.ComparePaired) are unchanged by the offsets:
// both sides of a pair lose the same one. A spec is pooled only
// when its split-0 trial is done; a re-evaluation that did not finish adds
// nothing, and so does one that ran on another version of the data than
// the spec's split-0 trial (journal.Trial.Data: other rows). Trials
// without re-evaluations come back unchanged (the same slice when the
// study has none).
func Pool(trials []journal.Trial) []journal.Trial {
	var extra map[uint64][]journal.Trial
	reeval := false
	for _, t := range trials {
		if t.Split == 0 {
			continue
		}
		reeval = true
		if t.State == journal.TrialDone && len(t.FoldScores) > 0 {
			if extra == nil {
				extra = map[uint64][]journal.Trial{}
			}
			extra[t.Of] = append(extra[t.Of], t)
		}
	}
	if !reeval {
		return trials
	}
	offset := splitOffsets(trials, extra)
	out := make([]journal.Trial, 0, len(trials))
	for _, t := range trials {
		if t.Split != 0 {
			continue
		}
		if rs := extra[t.ID]; len(rs) > 0 && poolable(t) {
			t = pooled(t, rs, offset)
		}
		out = append(out, t)
	}
	return out
}

func poolable(t journal.Trial) bool { return t.State == journal.TrialDone && len(t.FoldScores) > 0 }

// splitOffsets are the splits' offsets against split 0 (see Pool).
func splitOffsets(trials []journal.Trial, extra map[uint64][]journal.Trial) map[int]float64 {
	sum, n := map[int]float64{}, map[int]int{}
	for _, t := range trials {
		rs := extra[t.ID]
		if t.Split != 0 || len(rs) == 0 || !poolable(t) {
			continue
		}
		m0, _ := meanStd(t.FoldScores)
		for _, r := range rs {
			if r.Data != t.Data {
				continue // another data version: other rows (journal.Trial.Data)
			}
			if mk, _ := meanStd(r.FoldScores); !math.IsNaN(mk) && !math.IsNaN(m0) {
				sum[r.Split] += mk - m0
				n[r.Split]++
			}
		}
	}
	off := make(map[int]float64, len(sum))
	for k, s := range sum {
		off[k] = s / float64(n[k])
	}
	return off
}

// pooled is t with the re-evaluations rs folded in, each split's scores
// less its offset.
func pooled(t journal.Trial, rs []journal.Trial, offset map[int]float64) journal.Trial {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b journal.Trial) int { return a.Split - b.Split })
	k := len(t.FoldScores)
	t.Splits = []int{0}
	t.FoldScores = slices.Clone(t.FoldScores)
	t.BestIteration = slices.Clone(t.BestIteration)
	t.Timings = maps.Clone(t.Timings)
	if t.Timings == nil {
		t.Timings = map[string]float64{}
	}
	for _, r := range rs {
		if len(r.FoldScores) != k || slices.Contains(t.Splits, r.Split) || r.Data != t.Data {
			continue // a split with other folds, or on other rows, cannot be paired fold by fold
		}
		t.Splits = append(t.Splits, r.Split)
		for _, x := range r.FoldScores {
			t.FoldScores = append(t.FoldScores, x-offset[r.Split])
		}
		if t.BestIteration != nil {
			t.BestIteration = append(t.BestIteration, r.BestIteration...)
		}
		t.Timings[journal.PhaseTotal] += r.Timings[journal.PhaseTotal]
	}
	if len(t.Splits) == 1 {
		t.Splits = nil
	}
	t.Mean, t.Std = meanStd(t.FoldScores)
	return t
}

func meanStd(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	if len(xs) < 2 {
		return m, 0
	}
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)-1))
}

// SplitsOf are the fold splits whose scores t.FoldScores holds, in order.
func SplitsOf(t journal.Trial) []int {
	if len(t.Splits) > 0 {
		return t.Splits
	}
	return []int{t.Split}
}

// FoldsPerSplit is the number of folds of each split in t.FoldScores.
func FoldsPerSplit(t journal.Trial) int {
	return len(t.FoldScores) / len(SplitsOf(t))
}
