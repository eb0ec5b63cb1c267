package linear

import (
	"context"
	"fmt"
	"math"

	"github.com/nightshift-ml/nightshift/trainer"
)

// Fit learns a logistic regression on d with 0/1 labels y. It checks p and
// the data first; errors name the parameter, feature or row at fault.
// A fit that stops at max_iter before tol returns the model with
// Fit.Converged false (as sklearn's ConvergenceWarning), not an error.
func Fit(ctx context.Context, d *trainer.Dataset, y []float64, p Params) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrData, err)
	}
	if len(y) != d.Rows {
		return nil, fmt.Errorf("%w: %d labels for %d rows", ErrData, len(y), d.Rows)
	}
	var nPos int
	for i, v := range y {
		switch v {
		case 1:
			nPos++
		case 0:
		default:
			return nil, fmt.Errorf("%w: row %d has label %v, want 0 or 1", ErrData, i, v)
		}
	}
	if nPos == 0 || nPos == len(y) {
		return nil, fmt.Errorf("%w: %d rows, %d positive: logistic regression needs both classes", ErrData, len(y), nPos)
	}
	for _, f := range d.Features {
		if f.Categorical {
			continue
		}
		for i, v := range f.Values {
			if math.IsInf(v, 0) {
				return nil, &ValueError{Feature: f.Name, Row: i, Value: v}
			}
		}
	}
	wNeg, wPos, err := p.classWeights(len(y)-nPos, nPos)
	if err != nil {
		return nil, err
	}

	m, x, err := fitPreprocessing(d, p)
	if err != nil {
		return nil, err
	}
	// a_i = s_i / Σ s: the objective is divided by C·Σ s (see problem).
	sw := wNeg*float64(len(y)-nPos) + wPos*float64(nPos)
	a := make([]float64, len(y))
	for i, v := range y {
		if v == 1 {
			a[i] = wPos / sw
		} else {
			a[i] = wNeg / sw
		}
	}
	l1, l2 := p.l1l2()
	pr := &problem{x: x, y: y, a: a, l1: l1 / (p.C * sw), l2: l2 / (p.C * sw)}
	// Start at w = 0 with the intercept that fits the (weighted) base rate.
	b0 := math.Log(wPos * float64(nPos) / (wNeg * float64(len(y)-nPos)))

	var w []float64
	var b float64
	var info FitInfo
	if l1 > 0 {
		w, b, info, err = solveNewtonCD(ctx, pr, nil, b0, p)
	} else {
		w, b, info, err = solveLBFGS(ctx, pr, b0, p)
		if err == nil && !info.Converged && info.Iterations < p.MaxIter {
			// L-BFGS's line search stalls at rounding level; finish with
			// Newton steps (see solveNewtonCD) from where it stopped.
			polish := p
			polish.MaxIter = p.MaxIter - info.Iterations
			var more FitInfo
			w, b, more, err = solveNewtonCD(ctx, pr, w, b, polish)
			more.Solver = "lbfgs+newton-cd"
			more.Iterations += info.Iterations
			info = more
		}
	}
	if err != nil {
		return nil, err
	}
	m.Intercept = b
	m.setCoefficients(w)
	info.Rows, info.Positives, info.Columns = len(y), nPos, len(w)
	for _, v := range w {
		if v != 0 {
			info.NonZero++
		}
	}
	m.Fit = info
	return m, nil
}
