package planner

import (
	"maps"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// costObservations are n GBDT trials, every fold run, in mirrored pairs:
// random parameters, and the same with the learning rate reflected about
// split (in log scale), so that both halves of the range hold the same
// points. A learning rate below split is the dear half (seconds dear,
// scores around scoreDear), above it the cheap one (1 s, scoreCheap);
// every score gets its own noise.
func costObservations(n int, split, dear, scoreDear, scoreCheap float64, seed uint64) []observation {
	rng := rand.New(rand.NewPCG(seed, 1))
	var obs []observation
	for range n / 2 {
		p := plan.RandomParams(plan.ModelGBDT, rng)
		lr, _ := strconv.ParseFloat(p["learning_rate"], 64)
		q := maps.Clone(p)
		q["learning_rate"] = strconv.FormatFloat(split*split/lr, 'g', 4, 64)
		for _, params := range []map[string]string{p, q} {
			lr, _ := strconv.ParseFloat(params["learning_rate"], 64)
			o := observation{params: params, rung: 5, seconds: 1, score: scoreCheap + 0.01*rng.NormFloat64()}
			if lr < split {
				o.seconds, o.score = dear, scoreDear+0.01*rng.NormFloat64()
			}
			obs = append(obs, o)
		}
	}
	return obs
}

// dearShare is the share of n proposals whose learning rate is below split.
func dearShare(t *testing.T, n int, split float64, propose func(rng *rand.Rand) map[string]string) float64 {
	t.Helper()
	dear := 0
	for i := range n {
		p := propose(rand.New(rand.NewPCG(uint64(i), 7)))
		lr, err := strconv.ParseFloat(p["learning_rate"], 64)
		if err != nil {
			t.Fatalf("proposal %d: learning_rate %q: %v", i, p["learning_rate"], err)
		}
		if lr < split {
			dear++
		}
	}
	return float64(dear) / float64(n)
}

// TestCostAwareTPEPrefersTheCheapRegionUnlessTheDearOneIsBetter: with
// learning rates below the log-midpoint ten times dearer, the cost-aware
// TPE proposes the cheap half far more often than it does when every
// trial took as long (same scores: only the timings differ), and it
// still proposes the dear half when that half is clearly better.
func TestCostAwareTPEPrefersTheCheapRegionUnlessTheDearOneIsBetter(t *testing.T) {
	split := math.Sqrt(0.01 * 0.3) // log-midpoint of the learning-rate range
	dims, base := plan.SpaceFor(plan.ModelGBDT), plan.DefaultsFor(plan.ModelGBDT)
	cases := []struct {
		name                  string
		scoreDear, scoreCheap float64
		maxDear               float64 // most the dear half may get with 10× timings
		minDear               float64 // least it must get
		belowFlatBy           float64 // how far below the equal-timings share it must be, on average
	}{
		{"equal scores", 0.80, 0.80, 0.1, 0, 0.3},
		{"dear region clearly better", 0.90, 0.80, 1, 0.8, math.Inf(-1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var gap float64 // equal-timings share minus 10×-timings share, summed over seeds
			seeds := []uint64{3, 4, 5}
			for _, seed := range seeds {
				share := func(dear float64) float64 {
					obs := costObservations(60, split, dear, c.scoreDear, c.scoreCheap, seed)
					return dearShare(t, 50, split, func(rng *rand.Rand) map[string]string {
						p, ok := tpeSampleCostAware(plan.ModelGBDT, dims, base, obs, 5, rng)
						if !ok {
							t.Fatal("the cost-aware TPE declined 60 timed trials")
						}
						return p
					})
				}
				aware, flat := share(10), share(1)
				gap += flat - aware
				t.Logf("seed %d: share of proposals in the dear half: %.2f with 10× timings, %.2f with equal timings", seed, aware, flat)
				if aware > c.maxDear || aware < c.minDear {
					t.Errorf("seed %d: dear share %.2f with 10× timings: want within [%.2f, %.2f]", seed, aware, c.minDear, c.maxDear)
				}
			}
			if gap/float64(len(seeds)) < c.belowFlatBy {
				t.Errorf("the dear share with 10× timings is %.2f below the equal-timings share on average; want at least %.2f", gap/float64(len(seeds)), c.belowFlatBy)
			}
		})
	}
}

// TestCostModelLearnsTheTimingsAndNeedsEnoughOfThem: the ridge fit on log
// seconds ranks a dear learning rate above a cheap one, and there is no
// model (so proposals stay cost-blind) with fewer than costMinTrials
// trials that ran every fold.
func TestCostModelLearnsTheTimingsAndNeedsEnoughOfThem(t *testing.T) {
	dims := plan.SpaceFor(plan.ModelGBDT)
	obs := costObservations(40, 0.05, 10, 0.8, 0.8, 5)
	m, ok := fitCost(dims, obs, 5)
	if !ok {
		t.Fatal("no cost model from 40 timed trials")
	}
	slow, fast := plan.DefaultsFor(plan.ModelGBDT), plan.DefaultsFor(plan.ModelGBDT)
	slow["learning_rate"], fast["learning_rate"] = "0.012", "0.25"
	if d := m.logSeconds(slow) - m.logSeconds(fast); d < math.Log(3) {
		t.Errorf("predicted log seconds at lr 0.012 minus at 0.25 = %.2f; want at least log 3 (the data say log 10)", d)
	}
	partial := append([]observation(nil), obs[:costMinTrials-1]...)
	for _, o := range obs[costMinTrials-1:] {
		o.rung = 2 // pruned: its time is not a full trial's
		partial = append(partial, o)
	}
	if _, ok := fitCost(dims, partial, 5); ok {
		t.Errorf("a cost model from %d complete trials; want none below %d", costMinTrials-1, costMinTrials)
	}
}
