package planner

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// A long study's TPE sees thousands of observations but estimates g(x)
// from tpeMaxBad of them: it must still steer towards where the good
// trials are, as it does early in the study.
func TestTPEWithManyObservationsStillFindsTheGoodRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 1))
	obs := func(n int) []observation {
		var out []observation
		for i := 0; i < n; i++ {
			lr := math.Exp(math.Log(0.01) + rng.Float64()*(math.Log(0.3)-math.Log(0.01)))
			score := 0.90 + 0.01*rng.Float64()
			if i%10 == 0 { // the good trials: learning rates near 0.02
				lr, score = 0.018+0.004*rng.Float64(), 0.95+0.01*rng.Float64()
			}
			out = append(out, observation{params: map[string]string{"learning_rate": strconv.FormatFloat(lr, 'g', 4, 64)}, rung: 5, score: score})
		}
		return out
	}
	dims := []plan.Dim{{Name: "learning_rate", Lo: 0.01, Hi: 0.3, Log: true}}
	for _, n := range []int{300, 5000} {
		o := obs(n)
		near := 0
		for k := 0; k < 60; k++ {
			p := tpeSampleDims(plan.ModelGBDT, dims, map[string]string{}, o, rng)
			lr, err := strconv.ParseFloat(p["learning_rate"], 64)
			if err != nil {
				t.Fatal(err)
			}
			if lr < 0.04 {
				near++
			}
		}
		if near < 45 { // uniform draws: 41% below 0.04
			t.Errorf("%d observations: %d of 60 proposals below a learning rate of 0.04 (the good trials are at 0.02), want ≥ 45", n, near)
		}
	}
	if got := spread(obs(1000), tpeMaxBad); len(got) != tpeMaxBad {
		t.Errorf("spread kept %d of 1000, want %d", len(got), tpeMaxBad)
	}
}

// splitBest is the head of a stable sort by better, and the rest in
// their original order.
func TestSplitBestIsTheHeadOfAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var obs []observation
	for i := 0; i < 500; i++ { // coarse scores: many ties
		obs = append(obs, observation{params: map[string]string{"i": strconv.Itoa(i)}, rung: rng.IntN(3), score: float64(rng.IntN(20))})
	}
	sorted := slices.Clone(obs)
	slices.SortStableFunc(sorted, func(a, b observation) int {
		switch {
		case a.better(b):
			return -1
		case b.better(a):
			return 1
		}
		return 0
	})
	for _, n := range []int{1, 25, 499, 500} {
		best, rest := splitBest(obs, n)
		if !slices.EqualFunc(best, sorted[:n], func(a, b observation) bool { return a.params["i"] == b.params["i"] }) {
			t.Errorf("n=%d: best differs from the stable sort's head", n)
		}
		if len(rest) != len(obs)-n {
			t.Fatalf("n=%d: %d left, want %d", n, len(rest), len(obs)-n)
		}
		for k := 1; k < len(rest); k++ {
			a, _ := strconv.Atoi(rest[k-1].params["i"])
			b, _ := strconv.Atoi(rest[k].params["i"])
			if a >= b {
				t.Fatalf("n=%d: rest out of the original order at %d", n, k)
			}
		}
	}
}
