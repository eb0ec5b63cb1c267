package planner

import (
	"maps"
	"math"
	"math/rand/v2"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// Cost-aware TPE: expected improvement per second (Snoek, Larochelle &
// Adams, "Practical Bayesian Optimization of Machine Learning
// Algorithms", NIPS 2012, §3.2). Where trials are expensive, a point that
// is hardly better but ten times slower (a learning rate near 0.01 that
// runs to the tree cap) is not worth its time; EI per second prefers the
// cheaper point unless the dearer one is clearly better.
//
// TPE still proposes: costCandidates joint draws from its density of the
// best trials, l(x). What chooses among them is EI per second. TPE's own
// acquisition l(x)/g(x) only sees ranks: it cannot tell a region that is
// clearly better from one whose top trials are better by noise, and
// divided by a cost it would trade either for speed alike. So EI is
// computed as Snoek et al. do, from a Gaussian-process surrogate of the
// score (gp.go) over the trials that ran every fold, and the cost c(x)
// is a ridge regression of log seconds on the same coordinates
// (costModel). Until costMinTrials such trials have timings, proposals are
// the cost-blind TPE's.
const (
	costCandidates = 64
	costMinTrials  = tpeStartup
	costRidge      = 1.0 // ridge penalty on the coordinates (not the intercept)
	costMaxPoints  = 500 // the latest timed trials the cost model learns from
)

// costModel predicts log seconds of a trial from its parameters:
// intercept plus one weight per numeric dim (its coordinate scaled to
// [0, 1]) and one per categorical choice.
type costModel struct {
	dims []plan.Dim
	w    []float64
}

// costFeatures are params' regressors for the dims: 1 (intercept), each
// numeric dim's coordinate scaled to [0, 1] (0.5 when absent), each
// categorical choice as 0 or 1.
func costFeatures(dims []plan.Dim, params map[string]string) []float64 {
	x := []float64{1}
	for _, d := range dims {
		if len(d.Choices) > 0 {
			k := choiceIndex(d, params)
			for i := range d.Choices {
				x = append(x, boolFloat(i == k))
			}
			continue
		}
		lo, hi := d.Bounds()
		c, ok := d.ToCoord(params[d.Name])
		if !ok {
			x = append(x, 0.5)
			continue
		}
		x = append(x, (math.Max(lo, math.Min(hi, c))-lo)/(hi-lo))
	}
	return x
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// fitCost fits the cost model to the observations that ran all folds and
// have a time; ok is false with fewer than costMinTrials of them.
func fitCost(dims []plan.Dim, obs []observation, folds int) (costModel, bool) {
	var xs [][]float64
	var ys []float64
	// The latest costMaxPoints, so that a proposal's cost does not grow
	// with the study.
	for i := len(obs) - 1; i >= 0 && len(xs) < costMaxPoints; i-- {
		if o := obs[i]; o.rung >= folds && o.seconds > 0 {
			xs = append(xs, costFeatures(dims, o.params))
			ys = append(ys, math.Log(o.seconds))
		}
	}
	if len(xs) < costMinTrials {
		return costModel{}, false
	}
	p := len(xs[0])
	// Normal equations (XᵀX + λI) w = Xᵀy, the intercept unpenalised.
	a := make([][]float64, p)
	for i := range a {
		a[i] = make([]float64, p+1)
		if i > 0 {
			a[i][i] = costRidge
		}
	}
	for r, x := range xs {
		for i := range p {
			for k := range p {
				a[i][k] += x[i] * x[k]
			}
			a[i][p] += x[i] * ys[r]
		}
	}
	w, ok := solve(a)
	if !ok {
		return costModel{}, false
	}
	return costModel{dims: dims, w: w}, true
}

// solve solves the augmented system a (n rows of n+1) by Gaussian
// elimination with partial pivoting; ok is false when it is singular.
func solve(a [][]float64) ([]float64, bool) {
	n := len(a)
	for c := range n {
		piv := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[piv][c]) {
				piv = r
			}
		}
		if math.Abs(a[piv][c]) < 1e-12 {
			return nil, false
		}
		a[c], a[piv] = a[piv], a[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k <= n; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	w := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := a[r][n]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * w[k]
		}
		w[r] = s / a[r][r]
	}
	return w, true
}

// logSeconds is the model's predicted log seconds for params.
func (m costModel) logSeconds(params map[string]string) float64 {
	s := 0.0
	for i, x := range costFeatures(m.dims, params) {
		s += m.w[i] * x
	}
	return s
}

// tpeSampleCostAware is tpeSampleDims choosing by expected improvement
// per predicted second; ok is false (and nothing is drawn) while TPE is
// still in its random start-up or too few trials ran every fold with a
// time, and the caller samples cost-blind.
func tpeSampleCostAware(model string, dims []plan.Dim, base map[string]string, obs []observation, folds int, rng *rand.Rand) (map[string]string, bool) {
	if len(obs) < tpeStartup {
		return nil, false
	}
	cost, ok := fitCost(dims, obs, folds)
	if !ok {
		return nil, false
	}
	gp, ok := fitGP(dims, obs, folds)
	if !ok {
		return nil, false
	}
	nGood := max(min(int(math.Ceil(0.15*float64(len(obs)))), 25), 1)
	good, _ := splitBest(obs, nGood)
	ls := make([]parzen, len(dims))
	lw := make([][]float64, len(dims))
	for i, d := range dims {
		if len(d.Choices) > 0 {
			lw[i] = choiceWeights(d, good)
		} else {
			ls[i] = newParzen(d, good)
		}
	}
	var best map[string]string
	bestScore := math.Inf(-1)
	for range costCandidates {
		cand := maps.Clone(base)
		for i, d := range dims {
			if len(d.Choices) > 0 {
				cand[d.Name] = d.Choices[drawChoice(lw[i], rng)]
			} else {
				cand[d.Name] = d.Format(ls[i].sample(rng))
			}
		}
		cand = plan.TidyParams(model, cand)
		score := gp.logEI(costFeatures(dims, cand)[1:]) - cost.logSeconds(cand)
		if best == nil || score > bestScore {
			best, bestScore = cand, score
		}
	}
	return best, true
}

// proposeParams samples model's parameters for the builtin planner: the
// cost-aware TPE when the study asks for it and can, else the plain one.
// costAware tells which was used.
func proposeParams(h *plan.History, model string, obs []observation, rng *rand.Rand) (params map[string]string, costAware bool) {
	if h.CostAware {
		if p, ok := tpeSampleCostAware(model, plan.SpaceFor(model), plan.DefaultsFor(model), obs, h.Folds, rng); ok {
			return p, true
		}
	}
	return tpeSample(model, obs, rng), false
}
