package gbdt

import (
	"math"
	"testing"
)

// TestCategoricalSplitGainSubtractsTheParentAtLambdaL2: a many-vs-many
// categorical split's gain is its children's gains at lambda_l2 + cat_l2
// minus the parent's at lambda_l2 alone, as LightGBM's
// FindBestThresholdCategoricalInner computes it without path smoothing
// (the parent at lambda_l2 + cat_l2 favoured categorical splits).
func TestCategoricalSplitGainSubtractsTheParentAtLambdaL2(t *testing.T) {
	p := DefaultParams()
	// no boost_from_average: the root's gradient sum is far from 0, so the
	// parent's gain tells the two l2 apart
	p.BoostFromAverage, p.LambdaL2, p.CatL2 = false, 1, 10
	tr, bd, y := categoricalStump(t, p)
	var g, h [2]float64
	for r := range y {
		k := tr.leafOfBinned(bd.cols, r)
		gh := gradientRow(0, y[r], 1, 1)
		g[k] += float64(gh[0])
		h[k] += float64(gh[1])
	}
	l2 := p.LambdaL2 + p.CatL2
	want := leafGain(g[0], h[0], 0, l2) + leafGain(g[1], h[1], 0, l2) - leafGain(g[0]+g[1], h[0]+h[1], 0, p.LambdaL2)
	if d := math.Abs(tr.splitGain[0] - want); d > 1e-9*math.Abs(want) {
		t.Fatalf("split gain %v, want %v (parent at lambda_l2 + cat_l2 would give %v)", tr.splitGain[0], want,
			want+leafGain(g[0]+g[1], h[0]+h[1], 0, p.LambdaL2)-leafGain(g[0]+g[1], h[0]+h[1], 0, l2))
	}
}
