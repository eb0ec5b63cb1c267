package planner

import (
	"github.com/nightshift-ml/nightshift/experiment/plan"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// observation is one trial's parameters and score, the score oriented so
// that higher is better; rung is how far the trial got (folds scored; 0
// for the screening rung alone). Observations rank by rung, then score.
type observation struct {
	params map[string]string
	rung   int
	score  float64
	// seconds is the trial's run time (0 when unknown): the cost-aware
	// TPE's cost model learns from it (cost.go).
	seconds float64
}

// better orders observations best first.
func (o observation) better(p observation) bool {
	if o.rung != p.rung {
		return o.rung > p.rung
	}
	return o.score > p.score
}

// TPE settings: Bergstra et al., "Algorithms for Hyper-Parameter
// Optimization" (NIPS 2011), as Optuna's independent TPESampler applies
// them: the best γ(n) = min(ceil(0.15·n), 25) observations form l(x), the
// rest g(x); each dim is a Parzen mixture (a Gaussian per observation plus
// a uniform prior); the candidate among tpeCandidates draws from l with the
// largest l(x)/g(x) is taken, one dim at a time.
const (
	tpeStartup    = 8
	tpeCandidates = 24
	// tpeMaxBad caps the observations g(x) is estimated from. Each
	// candidate's g density sums a Gaussian per observation, so with all
	// of them a proposal's cost grew with the study (8 dims × 24
	// candidates × n exp calls, plus sorting all n; issue 20). A Parzen
	// estimate from 250 of them, every k-th in the order they were
	// observed, keeps g's shape; l(x) is unchanged.
	tpeMaxBad = 250
)

// tpeSample proposes parameters for model from the observations.
func tpeSample(model string, obs []observation, rng *rand.Rand) map[string]string {
	return tpeSampleDims(model, plan.SpaceFor(model), plan.DefaultsFor(model), obs, rng)
}

// tpeSampleDims samples the given dims of model (random until tpeStartup
// observations) and keeps base's value for every other parameter.
func tpeSampleDims(model string, dims []plan.Dim, base map[string]string, obs []observation, rng *rand.Rand) map[string]string {
	out := maps.Clone(base)
	if len(obs) < tpeStartup {
		random := plan.RandomParams(model, rng)
		for _, d := range dims {
			if v, ok := random[d.Name]; ok {
				out[d.Name] = v
			} else {
				delete(out, d.Name) // tidied away (l1_ratio without elastic net)
			}
		}
		return plan.TidyParams(model, out)
	}
	nGood := min(int(math.Ceil(0.15*float64(len(obs)))), 25)
	nGood = max(nGood, 1)
	good, bad := splitBest(obs, nGood)
	bad = spread(bad, tpeMaxBad)
	for _, d := range dims {
		if len(d.Choices) > 0 {
			out[d.Name] = tpeCategorical(d, good, bad, rng)
		} else {
			out[d.Name] = d.Format(tpeNumeric(d, good, bad, rng))
		}
	}
	return plan.TidyParams(model, out)
}

// splitBest returns the n best observations, best first (ties in their
// order in obs, as a stable sort leaves them), and the others in their
// order in obs. One pass, no sort of all n: a study's history is long and
// only the best 25 need ranking.
func splitBest(obs []observation, n int) (best, rest []observation) {
	top := make([]int, 0, n+1) // indices into obs, best first
	for i, o := range obs {
		if len(top) == n && !o.better(obs[top[n-1]]) {
			continue
		}
		j := sort.Search(len(top), func(j int) bool { return o.better(obs[top[j]]) })
		top = slices.Insert(top, j, i)
		if len(top) > n {
			top = top[:n]
		}
	}
	in := make([]bool, len(obs))
	for _, i := range top {
		best = append(best, obs[i])
		in[i] = true
	}
	rest = make([]observation, 0, len(obs)-len(top))
	for i, o := range obs {
		if !in[i] {
			rest = append(rest, o)
		}
	}
	return best, rest
}

// spread returns at most n of obs, evenly spaced over its order (all of
// them when there are no more than n).
func spread(obs []observation, n int) []observation {
	if len(obs) <= n {
		return obs
	}
	out := make([]observation, n)
	for i := range out {
		out[i] = obs[i*len(obs)/n]
	}
	return out
}

type parzen struct {
	mu     []float64
	sigma  float64
	lo, hi float64
}

func newParzen(d plan.Dim, obs []observation) parzen {
	lo, hi := d.Bounds()
	p := parzen{lo: lo, hi: hi}
	for _, o := range obs {
		if c, ok := d.ToCoord(o.params[d.Name]); ok {
			p.mu = append(p.mu, math.Max(lo, math.Min(hi, c)))
		}
	}
	// Scott's rule on the range, widened when few points are known.
	p.sigma = (hi - lo) * math.Pow(float64(len(p.mu)+1), -0.2) / 2
	return p
}

// logDensity of the mixture (uniform prior weighted as one more component).
func (p parzen) logDensity(x float64) float64 {
	n := float64(len(p.mu) + 1)
	dens := 1 / (p.hi - p.lo) / n
	for _, m := range p.mu {
		z := (x - m) / p.sigma
		dens += math.Exp(-0.5*z*z) / (p.sigma * math.Sqrt(2*math.Pi)) / n
	}
	return math.Log(dens)
}

func (p parzen) sample(rng *rand.Rand) float64 {
	k := rng.IntN(len(p.mu) + 1)
	if k == len(p.mu) {
		return p.lo + rng.Float64()*(p.hi-p.lo)
	}
	for range 16 {
		x := p.mu[k] + rng.NormFloat64()*p.sigma
		if x >= p.lo && x <= p.hi {
			return x
		}
	}
	return p.mu[k]
}

func tpeNumeric(d plan.Dim, good, bad []observation, rng *rand.Rand) float64 {
	l, g := newParzen(d, good), newParzen(d, bad)
	best, bestScore := 0.0, math.Inf(-1)
	for range tpeCandidates {
		x := l.sample(rng)
		if s := l.logDensity(x) - g.logDensity(x); s > bestScore {
			best, bestScore = x, s
		}
	}
	return best
}

func tpeCategorical(d plan.Dim, good, bad []observation, rng *rand.Rand) string {
	l, g := choiceWeights(d, good), choiceWeights(d, bad)
	best, bestScore := 0, math.Inf(-1)
	for range tpeCandidates {
		k := drawChoice(l, rng)
		if s := math.Log(l[k]) - math.Log(g[k]); s > bestScore {
			best, bestScore = k, s
		}
	}
	return d.Choices[best]
}

// choiceWeights are a categorical dim's choice frequencies among obs,
// each choice starting from a prior count of 1, normalised to sum to 1.
func choiceWeights(d plan.Dim, obs []observation) []float64 {
	w := make([]float64, len(d.Choices))
	for i := range w {
		w[i] = 1 // prior
	}
	for _, o := range obs {
		if k := choiceIndex(d, o.params); k >= 0 {
			w[k]++
		}
	}
	var s float64
	for _, x := range w {
		s += x
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// choiceIndex is the index of params' value of d among d.Choices, -1 when
// none (class_weight left out is "none").
func choiceIndex(d plan.Dim, params map[string]string) int {
	v := params[d.Name]
	if v == "" && d.Name == "class_weight" {
		v = "none"
	}
	for i, c := range d.Choices {
		if c == v {
			return i
		}
	}
	return -1
}

// drawChoice draws an index with probabilities w.
func drawChoice(w []float64, rng *rand.Rand) int {
	u, k := rng.Float64(), 0
	for k < len(w)-1 && u > w[k] {
		u -= w[k]
		k++
	}
	return k
}
