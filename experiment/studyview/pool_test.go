package studyview

import (
	"math"
	"slices"
	"testing"

	"github.com/nightshift-ml/nightshift/journal"
)

func doneOn(id uint64, split int, of uint64, scores ...float64) journal.Trial {
	m, sd := meanStd(scores)
	return journal.Trial{ID: id, State: journal.TrialDone, Split: split, Of: of, FoldScores: scores, Mean: m, Std: sd,
		Timings: map[string]float64{journal.PhaseTotal: 2}}
}

// TestPoolFoldsReEvaluationsIntoTheirSpec: a spec's re-evaluations join
// its split-0 trial (its ID, splits in order, seconds summed), each split
// less its offset against split 0; unfinished ones add nothing; a study
// without re-evaluations is returned as it is.
func TestPoolFoldsReEvaluationsIntoTheirSpec(t *testing.T) {
	plain := []journal.Trial{doneOn(1, 0, 0, 0.8, 0.9), doneOn(2, 0, 0, 0.7, 0.7)}
	if got := Pool(plain); &got[0] != &plain[0] {
		t.Fatal("a study without re-evaluations is copied")
	}
	trials := []journal.Trial{
		doneOn(1, 0, 0, 0.90, 0.92, 0.94),
		doneOn(2, 0, 0, 0.80, 0.82, 0.84),
		doneOn(3, 2, 1, 0.86, 0.88, 0.90), // split 2 is 0.04 harder for #1…
		doneOn(4, 1, 1, 0.91, 0.93, 0.95),
		doneOn(5, 2, 2, 0.78, 0.80, 0.82), // …and 0.02 for #2: offset −0.03
		{ID: 6, State: journal.TrialPruned, Split: 1, Of: 2, FoldScores: []float64{0.1}},
	}
	got := Pool(trials)
	if len(got) != 2 || got[0].ID != 1 || got[1].ID != 2 {
		t.Fatalf("pooled %d trials %v, want #1 and #2", len(got), got)
	}
	p := got[0]
	if !slices.Equal(p.Splits, []int{0, 1, 2}) || len(p.FoldScores) != 9 || p.Timings[journal.PhaseTotal] != 6 {
		t.Fatalf("#1 pooled: splits %v, %d folds, %v s", p.Splits, len(p.FoldScores), p.Timings[journal.PhaseTotal])
	}
	// Split 1 (#1 alone): offset +0.01, so its folds pool as split 0's.
	// Split 2: offset −0.03; #1's split-2 folds pool 0.01 below its split 0.
	want := []float64{0.90, 0.92, 0.94, 0.90, 0.92, 0.94, 0.89, 0.91, 0.93}
	for i := range want {
		if math.Abs(p.FoldScores[i]-want[i]) > 1e-12 {
			t.Fatalf("#1 pooled folds %v, want %v", p.FoldScores, want)
		}
	}
	if math.Abs(p.Mean-mean(want)) > 1e-12 || trials[0].Splits != nil || len(trials[0].FoldScores) != 3 {
		t.Fatalf("#1 pooled mean %v, want %v; the input trial changed: %+v", p.Mean, mean(want), trials[0])
	}
	if q := got[1]; !slices.Equal(q.Splits, []int{0, 2}) || math.Abs(q.Mean-0.825) > 1e-12 {
		t.Fatalf("#2 pooled: splits %v mean %v, want [0 2] and 0.825 (the pruned split-1 run adds nothing)", q.Splits, q.Mean)
	}
	if lead, _ := Leader("auc", trials); lead.ID != 1 || len(lead.Splits) != 3 {
		t.Fatalf("leader #%d over %v splits, want #1 pooling 3", lead.ID, lead.Splits)
	}
	if board := Leaderboard(trials, "auc"); len(board) != 2 {
		t.Fatalf("leaderboard lists %d rows, want the 2 specs (re-evaluations pooled)", len(board))
	}
}

// TestPooledStdErrCountsRepetitionAsBouckaertFrank: r splits shrink the
// standard error of the mean by √((1/(rk) + 1/(k−1)) / (1/k + 1/(k−1))),
// from the spread on split 0, never by √r.
func TestPooledStdErrCountsRepetitionAsBouckaertFrank(t *testing.T) {
	one := doneOn(1, 0, 0, 0.90, 0.92, 0.94, 0.91, 0.93)
	base := StdErr(one)
	if math.Abs(base-one.Std/math.Sqrt(5)) > 1e-15 {
		t.Fatalf("one split: SE %v, want σ/√k", base)
	}
	for _, tc := range []struct {
		r    int
		want float64
	}{{2, 0.8819}, {3, 0.8389}, {10, 0.7746}} {
		p := one
		p.Splits = make([]int, tc.r)
		for range tc.r - 1 {
			p.FoldScores = append(p.FoldScores, 0.5, 0.6, 0.7, 0.8, 0.9) // wide: the SE reads split 0's spread
		}
		p.Mean, p.Std = meanStd(p.FoldScores)
		if got := StdErr(p) / base; math.Abs(got-tc.want) > 1e-4 {
			t.Errorf("%d splits: SE ×%.4f of one split's, want ×%.4f", tc.r, got, tc.want)
		}
	}
}

func mean(xs []float64) float64 { m, _ := meanStd(xs); return m }
