package planner

import (
	"github.com/nightshift-ml/nightshift/experiment/plan"
	"maps"
	"math"
	"math/rand/v2"
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
	sorted := append([]observation(nil), obs...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].better(sorted[b]) })
	nGood := min(int(math.Ceil(0.15*float64(len(sorted)))), 25)
	nGood = max(nGood, 1)
	good, bad := sorted[:nGood], sorted[nGood:]
	for _, d := range dims {
		if len(d.Choices) > 0 {
			out[d.Name] = tpeCategorical(d, good, bad, rng)
		} else {
			out[d.Name] = d.Format(tpeNumeric(d, good, bad, rng))
		}
	}
	return plan.TidyParams(model, out)
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
