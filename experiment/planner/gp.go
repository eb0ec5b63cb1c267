package planner

import (
	"math"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// The cost-aware TPE's surrogate (cost.go): a Gaussian process over the
// dims' coordinates scaled to [0, 1] (categorical choices one-hot), with a
// squared-exponential kernel of unit variance on the standardised scores.
// Its length scale and noise are the pair among gpLengths × gpNoises with
// the highest marginal likelihood (Rasmussen & Williams 2006, eq. 2.30).
// It is fitted to at most gpMaxPoints trials that ran every fold: the
// gpKeepBest best and the latest of the rest, so that its cost per
// proposal does not grow with the study.
var (
	gpLengths = [...]float64{0.25, 0.5, 1, 2}
	gpNoises  = [...]float64{0.01, 0.1, 0.5}
)

const (
	gpMaxPoints = 100
	gpKeepBest  = 30
)

type gpModel struct {
	xs    [][]float64
	chol  [][]float64 // lower Cholesky factor of K + noise·I
	alpha []float64   // (K + noise·I)⁻¹ y
	ls    float64
	best  float64 // the best standardised score: the incumbent EI improves on
}

// fitGP fits the surrogate; ok is false with fewer than costMinTrials
// trials that ran every fold.
func fitGP(dims []plan.Dim, obs []observation, folds int) (gpModel, bool) {
	var full []observation
	for _, o := range obs {
		if o.rung >= folds {
			full = append(full, o)
		}
	}
	if len(full) < costMinTrials {
		return gpModel{}, false
	}
	if len(full) > gpMaxPoints {
		// The best, and the latest (one of them may be both: a repeated
		// point only weighs a little more, the noise keeps K definite).
		best, _ := splitBest(full, gpKeepBest)
		full = append(best, full[len(full)-(gpMaxPoints-gpKeepBest):]...)
	}
	xs := make([][]float64, len(full))
	ys := make([]float64, len(full))
	for i, o := range full {
		xs[i] = costFeatures(dims, o.params)[1:]
		ys[i] = o.score
	}
	mean, sd := meanSD(ys)
	if sd == 0 {
		sd = 1
	}
	best := math.Inf(-1)
	for i := range ys {
		ys[i] = (ys[i] - mean) / sd
		best = math.Max(best, ys[i])
	}
	var m gpModel
	bestLik := math.Inf(-1)
	for _, ls := range gpLengths {
		for _, noise := range gpNoises {
			chol, ok := cholesky(kernelMatrix(xs, ls, noise))
			if !ok {
				continue
			}
			alpha := cholSolve(chol, ys)
			lik := 0.0
			for i := range ys {
				lik -= 0.5*ys[i]*alpha[i] + math.Log(chol[i][i])
			}
			if lik > bestLik {
				bestLik = lik
				m = gpModel{xs: xs, chol: chol, alpha: alpha, ls: ls, best: best}
			}
		}
	}
	return m, m.chol != nil
}

func meanSD(xs []float64) (float64, float64) {
	var s, ss float64
	for _, x := range xs {
		s += x
	}
	mean := s / float64(len(xs))
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)))
}

func kernel(a, b []float64, ls float64) float64 {
	d := 0.0
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Exp(-d / (2 * ls * ls))
}

func kernelMatrix(xs [][]float64, ls, noise float64) [][]float64 {
	k := make([][]float64, len(xs))
	for i := range xs {
		k[i] = make([]float64, len(xs))
		for j := range i + 1 {
			k[i][j] = kernel(xs[i], xs[j], ls)
			k[j][i] = k[i][j]
		}
		k[i][i] += noise
	}
	return k
}

// cholesky returns the lower factor L of a = L·Lᵀ; ok is false when a is
// not positive definite.
func cholesky(a [][]float64) ([][]float64, bool) {
	n := len(a)
	l := make([][]float64, n)
	for i := range l {
		l[i] = make([]float64, n)
		for j := range i + 1 {
			s := a[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 0 {
					return nil, false
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	return l, true
}

// forward solves L·v = b.
func forward(l [][]float64, b []float64) []float64 {
	v := make([]float64, len(b))
	for i := range b {
		s := b[i]
		for k := range i {
			s -= l[i][k] * v[k]
		}
		v[i] = s / l[i][i]
	}
	return v
}

// cholSolve solves L·Lᵀ·x = b.
func cholSolve(l [][]float64, b []float64) []float64 {
	v := forward(l, b)
	x := make([]float64, len(v))
	for i := len(v) - 1; i >= 0; i-- {
		s := v[i]
		for k := i + 1; k < len(v); k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x
}

// logEI is the log of the expected improvement over the best score at x
// (standardised units), from the posterior mean μ and deviation σ:
// σ·(zΦ(z) + φ(z)) with z = (μ − best)/σ; far below the best, where
// that underflows, its asymptote σ·φ(z)/z².
func (m gpModel) logEI(x []float64) float64 {
	ks := make([]float64, len(m.xs))
	for i, xi := range m.xs {
		ks[i] = kernel(x, xi, m.ls)
	}
	mu := 0.0
	for i := range ks {
		mu += ks[i] * m.alpha[i]
	}
	v := forward(m.chol, ks)
	variance := 1.0
	for _, vi := range v {
		variance -= vi * vi
	}
	sigma := math.Sqrt(math.Max(variance, 1e-12))
	z := (mu - m.best) / sigma
	logPhi := -0.5*z*z - 0.5*math.Log(2*math.Pi)
	if z < -8 {
		return math.Log(sigma) + logPhi - 2*math.Log(-z)
	}
	cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
	return math.Log(sigma) + math.Log(z*cdf+math.Exp(logPhi))
}
