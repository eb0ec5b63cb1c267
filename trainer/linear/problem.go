package linear

import "math"

// problem is the objective divided by C·Σ s_i, so its gradient (and tol) do
// not grow with the row count:
//
//	F(w, b) = Σ_i a_i ℓ(y_i, z_i) + l2/2 ‖w‖² + l1 ‖w‖₁,  z = b + Xw,
//
// with a_i = s_i / Σ s, l2 = (1−ρ)/(C·Σ s), l1 = ρ/(C·Σ s) and
// ℓ(y, z) = log(1 + e^z) − y·z.
type problem struct {
	x      *design
	y, a   []float64
	l1, l2 float64
}

// margins sets z = b + Xw.
func (pr *problem) margins(w []float64, b float64, z []float64) {
	x := pr.x
	for i := range z {
		z[i] = b
	}
	for j, col := range x.dense {
		if wj := w[j]; wj != 0 {
			for i, v := range col {
				z[i] += wj * v
			}
		}
	}
	nd := len(x.dense)
	for _, c := range x.cats {
		wc := w[nd+c.off:]
		for i, j := range c.col {
			z[i] += wc[j]
		}
	}
	for k := x.blockStart; k+1 < len(x.ptr); k++ {
		if wj := w[nd+k]; wj != 0 {
			for e := x.ptr[k]; e < x.ptr[k+1]; e++ {
				z[x.idx[e]] += wj * x.val[e]
			}
		}
	}
}

// log1pExp is log(1 + e^z) without overflow.
func log1pExp(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// loss is Σ a_i ℓ(y_i, z_i), the data part of F.
func (pr *problem) loss(z []float64) float64 {
	var f float64
	for i, zi := range z {
		f += pr.a[i] * (log1pExp(zi) - pr.y[i]*zi)
	}
	return f
}

// lossResiduals returns loss(z) and sets r_i = a_i (σ(z_i) − y_i), the
// derivative of the data part with respect to z_i, sharing one exp per row.
func (pr *problem) lossResiduals(z, r []float64) float64 {
	var f float64
	for i, zi := range z {
		e := math.Exp(-math.Abs(zi)) // in (0, 1]: no overflow
		var s float64
		if zi >= 0 {
			s = 1 / (1 + e)
		} else {
			s = e / (1 + e)
		}
		f += pr.a[i] * (max(zi, 0) + math.Log1p(e) - pr.y[i]*zi)
		r[i] = pr.a[i] * (s - pr.y[i])
	}
	return f
}

// residuals sets r_i = a_i (σ(z_i) − y_i), the derivative of the data part
// with respect to z_i.
func (pr *problem) residuals(z, r []float64) {
	for i, zi := range z {
		r[i] = pr.a[i] * (sigmoid(zi) - pr.y[i])
	}
}

// colDot returns Σ_i v_i x_ij for design column j.
func (pr *problem) colDot(j int, v []float64) float64 {
	x := pr.x
	var s float64
	if j < len(x.dense) {
		for i, xv := range x.dense[j] {
			s += v[i] * xv
		}
		return s
	}
	k := j - len(x.dense)
	for e := x.ptr[k]; e < x.ptr[k+1]; e++ {
		s += v[x.idx[e]] * x.val[e]
	}
	return s
}

// colAxpyH adds alpha·h⊙x_j to q.
func (pr *problem) colAxpyH(j int, alpha float64, h, q []float64) {
	x := pr.x
	if j < len(x.dense) {
		for i, xv := range x.dense[j] {
			q[i] += alpha * h[i] * xv
		}
		return
	}
	k := j - len(x.dense)
	for e := x.ptr[k]; e < x.ptr[k+1]; e++ {
		i := x.idx[e]
		q[i] += alpha * h[i] * x.val[e]
	}
}

// colSqDot returns Σ_i h_i x_ij².
func (pr *problem) colSqDot(j int, h []float64) float64 {
	x := pr.x
	var s float64
	if j < len(x.dense) {
		for i, xv := range x.dense[j] {
			s += h[i] * xv * xv
		}
		return s
	}
	k := j - len(x.dense)
	for e := x.ptr[k]; e < x.ptr[k+1]; e++ {
		s += h[x.idx[e]] * x.val[e] * x.val[e]
	}
	return s
}

// penalty is l2/2 ‖w‖² + l1 ‖w‖₁.
func (pr *problem) penalty(w []float64) float64 {
	var sq, ab float64
	for _, v := range w {
		sq += v * v
		ab += math.Abs(v)
	}
	return pr.l2/2*sq + pr.l1*ab
}

// gradient fills g (len w) and returns the intercept's entry: the gradient
// of the smooth part of F (data + L2) given residuals r.
func (pr *problem) gradient(w, r, g []float64) (gb float64) {
	for _, ri := range r {
		gb += ri
	}
	x := pr.x
	nd := len(x.dense)
	for j := range nd {
		g[j] = pr.colDot(j, r)
	}
	for j := nd; j < nd+x.blockStart; j++ {
		g[j] = 0
	}
	for _, c := range x.cats {
		gc := g[nd+c.off:]
		for i, j := range c.col {
			gc[j] += r[i]
		}
	}
	for j := nd + x.blockStart; j < len(w); j++ {
		g[j] = pr.colDot(j, r)
	}
	for j := range w {
		g[j] += pr.l2 * w[j]
	}
	return gb
}

// violation is the largest entry of the minimum-norm subgradient of F given
// the smooth gradient g, gb: zero exactly at the optimum.
func (pr *problem) violation(w, g []float64, gb float64) float64 {
	v := math.Abs(gb)
	for j, gj := range g {
		v = max(v, subgradient(w[j], gj, pr.l1))
	}
	return v
}
