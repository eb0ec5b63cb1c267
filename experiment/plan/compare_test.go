package plan

import (
	"math"
	"testing"

	"github.com/nightshift-ml/nightshift/journal"
)

// TestComparePairedUsesLikeSplitsOnly: two pooled trials are compared on
// the (split, fold) pairs both ran — scores on a split only one of them
// ran never enter — with the repeated-CV correction; one shared split is
// CompareFolds exactly.
func TestComparePairedUsesLikeSplitsOnly(t *testing.T) {
	a := journal.Trial{ID: 1, Splits: []int{0, 2, 1}, FoldScores: []float64{
		0.91, 0.92, 0.93, // split 0
		0.50, 0.50, 0.50, // split 2: b never ran it
		0.92, 0.93, 0.94, // split 1
	}}
	b := journal.Trial{ID: 2, Splits: []int{0, 1}, FoldScores: []float64{0.90, 0.915, 0.92, 0.91, 0.92, 0.935}}
	x, y := PairedScores(a, b)
	if len(x) != 6 || x[3] != 0.92 || y[3] != 0.91 {
		t.Fatalf("pairs %v / %v: want split 0's and split 1's folds, split 2 left out", x, y)
	}
	c := ComparePaired("auc", a, b)
	d := []float64{0.01, 0.005, 0.01, 0.01, 0.01, 0.005}
	m, s := MeanStd(d)
	wantT := m / (s * math.Sqrt(1.0/6+1.0/2))
	if !c.Better || math.Abs(c.T-wantT) > 1e-9 || c.Crit != tCrit90[4] {
		t.Fatalf("paired: %+v, want better at t=%.4f > %.3f (6 pairs, 3 folds a split)", c, wantT, tCrit90[4])
	}
	one := journal.Trial{ID: 3, FoldScores: []float64{0.90, 0.915, 0.92}}
	if got, want := ComparePaired("auc", a, one), CompareFolds("auc", a.FoldScores[:3], one.FoldScores, 3); got != want {
		t.Fatalf("one shared split: %+v, CompareFolds gives %+v", got, want)
	}
	apart := journal.Trial{ID: 4, Split: 3, Of: 9, FoldScores: []float64{0.99, 0.99, 0.99}}
	if c := ComparePaired("auc", apart, one); c.Better || c.Verdict == "" {
		t.Fatalf("no shared split: %+v, want not compared", c)
	}
}
