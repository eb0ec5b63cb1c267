package linear

import (
	"context"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// solveLBFGS minimises the smooth objective (l1 = 0) with gonum's L-BFGS
// over (w, b), starting from w = 0 and the given intercept.
//
// It works in diagonally preconditioned variables v = (w, b)/s with
// s_j = 1/sqrt(H_jj), H the Hessian at the start: one-hot columns of rare
// levels have curvature thousands of times below standardised columns, and
// without the rescaling L-BFGS needs hundreds of iterations on them. The
// optimum is the same; convergence is judged on the gradient in (w, b).
func solveLBFGS(ctx context.Context, pr *problem, b0 float64, p Params) ([]float64, float64, FitInfo, error) {
	nw := pr.x.width()
	n := pr.x.n
	z := make([]float64, n)
	r := make([]float64, n)
	scale := preconditioner(pr, b0)
	u := make([]float64, nw+1) // (w, b) for the current v
	// Func and Grad are called at the same point in turn; evaluate both once.
	var lastV []float64
	var lastF float64
	lastG := make([]float64, nw+1) // gradient in (w, b)
	eval := func(v []float64) {
		if lastV != nil && slices.Equal(lastV, v) {
			return
		}
		for j, vj := range v {
			u[j] = scale[j] * vj
		}
		w, b := u[:nw], u[nw]
		pr.margins(w, b, z)
		lastF = pr.lossResiduals(z, r) + pr.penalty(w)
		lastG[nw] = pr.gradient(w, r, lastG[:nw])
		lastV = append(lastV[:0], v...)
	}
	prob := optimize.Problem{
		Func: func(v []float64) float64 { eval(v); return lastF },
		Grad: func(g, v []float64) {
			eval(v)
			for j, gj := range lastG {
				g[j] = scale[j] * gj
			}
		},
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		MajorIterations: p.MaxIter,
		Converger:       &gradientConverger{scale: scale, tol: p.Tol},
	}
	x0 := make([]float64, nw+1)
	x0[nw] = b0 / scale[nw]
	res, err := optimize.Minimize(prob, x0, settings, &optimize.LBFGS{})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, 0, FitInfo{}, ctxErr
	}
	var sol []float64
	info := FitInfo{Solver: "lbfgs"}
	if res != nil && res.X != nil {
		sol = res.X
		info.Iterations = res.Stats.MajorIterations
	} else {
		// No usable result (a failure before the first iteration): the
		// starting point is all we have; FitInfo says it did not converge.
		sol = x0
	}
	// err is a line-search failure when the objective's decrease reaches
	// rounding level (a gradient near 1e-8 on this scale); the gradient
	// below decides, and Fit polishes with Newton steps if it is above tol.
	_ = err
	eval(sol)
	info.Objective = lastF
	info.Gradient = pr.violation(u[:nw], lastG[:nw], lastG[nw])
	info.Converged = info.Gradient <= p.Tol
	return slices.Clone(u[:nw]), u[nw], info, nil
}

// preconditioner returns s_j = 1/sqrt(H_jj) for (w, b), H the Hessian of F
// at w = 0, b = b0 (where every row has probability σ(b0)).
func preconditioner(pr *problem, b0 float64) []float64 {
	nw := pr.x.width()
	q := sigmoid(b0) * (1 - sigmoid(b0))
	h := make([]float64, pr.x.n)
	var hb float64
	for i, a := range pr.a {
		h[i] = a * q
		hb += h[i]
	}
	s := make([]float64, nw+1)
	for j := range nw {
		s[j] = diagScale(pr.colSqDot(j, h) + pr.l2)
	}
	s[nw] = diagScale(hb)
	return s
}

func diagScale(d float64) float64 {
	if !(d > 0) {
		return 1 // an all-zero column without L2: nothing to rescale
	}
	return 1 / math.Sqrt(d)
}

// gradientConverger ends L-BFGS when the gradient in the original variables
// (the preconditioned one divided by scale) is below tol, or when the
// objective has not decreased at all for 50 iterations (rounding noise).
type gradientConverger struct {
	scale []float64
	tol   float64
	stall optimize.FunctionConverge
}

func (c *gradientConverger) Init(dim int) {
	c.stall = optimize.FunctionConverge{Iterations: 50}
	c.stall.Init(dim)
}

func (c *gradientConverger) Converged(loc *optimize.Location) optimize.Status {
	if loc.Gradient != nil {
		var g float64
		for j, gv := range loc.Gradient {
			g = max(g, math.Abs(gv/c.scale[j]))
		}
		if g <= c.tol {
			return optimize.GradientThreshold
		}
	}
	return c.stall.Converged(loc)
}

// solveNewtonCD minimises F with an L1 part by proximal Newton steps whose
// quadratic model is minimised by cyclic coordinate descent, followed by an
// Armijo backtracking line search on F (newGLMNET, Yuan, Ho & Lin 2012,
// "An improved GLMNET for L1-regularized logistic regression", §3).
//
// It starts from (w0, b0); w0 nil means zeros. Near the optimum the decrease
// of F falls to rounding level before the gradient reaches a tight tol; a
// step is then accepted when F stays within rounding and the (sub)gradient
// shrinks, so the solver still converges where a value-only test stalls.
func solveNewtonCD(ctx context.Context, pr *problem, w0 []float64, b0 float64, p Params) ([]float64, float64, FitInfo, error) {
	const (
		sigma      = 0.01 // Armijo sufficient-decrease fraction
		maxInner   = 20   // coordinate descent passes per Newton step
		activeRun  = 10   // active-set passes between full passes
		maxHalving = 40
	)
	nw := pr.x.width()
	n := pr.x.n
	w := make([]float64, nw)
	copy(w, w0)
	b := b0
	z := make([]float64, n)
	zt := make([]float64, n)
	r := make([]float64, n)
	h := make([]float64, n)
	g := make([]float64, nw)
	hj := make([]float64, nw)
	d := make([]float64, nw)
	dz := make([]float64, n)
	wt := make([]float64, nw)
	rt := make([]float64, n)
	gt := make([]float64, nw)
	q := make([]float64, n)
	all := make([]int, nw)
	for j := range all {
		all[j] = j
	}
	active := make([]int, 0, nw)
	info := FitInfo{Solver: "newton-cd"}
	pr.margins(w, b, z)
	f := pr.loss(z) + pr.penalty(w)
	for iter := 0; ; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, info, err
		}
		pr.residuals(z, r)
		gb := pr.gradient(w, r, g)
		viol := pr.violation(w, g, gb)
		info.Iterations, info.Objective, info.Gradient = iter, f, viol
		if viol <= p.Tol {
			info.Converged = true
			break
		}
		if iter >= p.MaxIter {
			break
		}
		// Quadratic model of the data part around z: curvature h_i.
		var hsum float64
		for i, zi := range z {
			s := sigmoid(zi)
			h[i] = max(pr.a[i]*s*(1-s), 1e-300)
			hsum += h[i]
		}
		for j := range w {
			hj[j] = pr.colSqDot(j, h)
			d[j] = 0
		}
		var db float64
		// q = r + h⊙(X d + db) is the quadratic model's derivative in z,
		// kept up to date as the step moves (X d itself is formed once,
		// after the passes). A full pass visits every coordinate and measures
		// the model's own optimality (minimum-norm subgradient); the inner
		// solve stops when that is below a tenth of the outer violation
		// (an inexact Newton step, newGLMNET §3.2). Between full passes only
		// the active coordinates (non-zero w_j + d_j) are cycled, as glmnet
		// does, until their steps settle or activeRun passes have gone by.
		copy(q, r)
		active = active[:0]
		full := true
		sinceFull := 0
		for pass := 0; pass < maxInner; pass++ {
			if err := ctx.Err(); err != nil {
				return nil, 0, info, err
			}
			var gq float64
			for _, qi := range q {
				gq += qi
			}
			modelViol := math.Abs(gq)
			step := -gq / hsum
			db += step
			for i := range q {
				q[i] += h[i] * step
			}
			biggest := math.Abs(step) * hsum
			visit := active
			if full {
				visit = all
			}
			for _, j := range visit {
				den := hj[j] + pr.l2
				if den == 0 {
					continue // an all-zero column: its coefficient stays 0
				}
				gj := pr.colDot(j, q)
				u0 := w[j] + d[j]
				if full {
					modelViol = max(modelViol, subgradient(u0, gj+pr.l2*u0, pr.l1))
				}
				// minimise ½hj(u−u0)² + gj(u−u0) + l2/2 u² + l1|u|
				u := softThreshold(hj[j]*u0-gj, pr.l1) / den
				if delta := u - u0; delta != 0 {
					d[j] += delta
					pr.colAxpyH(j, delta, h, q)
					biggest = max(biggest, math.Abs(delta)*den)
				}
			}
			if full {
				if modelViol <= 0.1*viol {
					break
				}
				active = active[:0]
				for j := range w {
					if w[j]+d[j] != 0 {
						active = append(active, j)
					}
				}
				sinceFull = 0
			}
			sinceFull++
			full = biggest <= 0.1*viol || sinceFull >= activeRun
		}
		pr.margins(d, db, dz) // dz = X d + db
		// Armijo on F along (d, db): the model's directional derivative.
		var delta float64
		for i := range dz {
			delta += r[i] * dz[i]
		}
		var l1New, l1Old float64
		for j := range w {
			delta += pr.l2 * w[j] * d[j]
			l1New += math.Abs(w[j] + d[j])
			l1Old += math.Abs(w[j])
		}
		delta += pr.l1 * (l1New - l1Old)
		if !(delta < 0) {
			break // no descent left at float64 precision
		}
		t := 1.0
		accepted := false
		for range maxHalving {
			for j := range w {
				wt[j] = w[j] + t*d[j]
			}
			for i := range z {
				zt[i] = z[i] + t*dz[i]
			}
			ft := pr.loss(zt) + pr.penalty(wt)
			ok := ft <= f+sigma*t*delta
			if !ok && math.Abs(ft-f) <= 8*epsilon*math.Abs(f) {
				pr.residuals(zt, rt)
				gbt := pr.gradient(wt, rt, gt)
				ok = pr.violation(wt, gt, gbt) < viol
			}
			if ok {
				copy(w, wt)
				copy(z, zt)
				b += t * db
				f = ft
				accepted = true
				break
			}
			t /= 2
		}
		if !accepted {
			break
		}
	}
	return w, b, info, nil
}

// epsilon is float64's machine epsilon, the relative rounding of F.
const epsilon = 0x1p-52

// subgradient is the minimum-norm subgradient of g·u + l1|u| at u given the
// smooth derivative g: zero when u is optimal for its coordinate.
func subgradient(u, g, l1 float64) float64 {
	switch {
	case u > 0:
		return math.Abs(g + l1)
	case u < 0:
		return math.Abs(g - l1)
	}
	return max(math.Abs(g)-l1, 0)
}

// softThreshold is sign(v)·max(|v| − k, 0).
func softThreshold(v, k float64) float64 {
	switch {
	case v > k:
		return v - k
	case v < -k:
		return v + k
	}
	return 0
}
