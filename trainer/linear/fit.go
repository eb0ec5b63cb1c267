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
	nPos, err := checkFitData(d, y)
	if err != nil {
		return nil, err
	}
	wNeg, wPos, err := p.classWeights(len(y)-nPos, nPos)
	if err != nil {
		return nil, err
	}

	m, x, err := fitPreprocessing(d, p)
	if err != nil {
		return nil, err
	}
	pr, b0 := weightedProblem(x, y, nPos, wNeg, wPos, p)
	w, b, info, err := solve(ctx, pr, b0, p)
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

// checkFitData checks d, and y as its 0/1 labels with both classes present;
// no numeric value may be infinite. It returns the count of positives.
func checkFitData(d *trainer.Dataset, y []float64) (nPos int, err error) {
	if err := d.Validate(); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrData, err)
	}
	if len(y) != d.Rows {
		return 0, fmt.Errorf("%w: %d labels for %d rows", ErrData, len(y), d.Rows)
	}
	for i, v := range y {
		switch v {
		case 1:
			nPos++
		case 0:
		default:
			return 0, fmt.Errorf("%w: row %d has label %v, want 0 or 1", ErrData, i, v)
		}
	}
	if nPos == 0 || nPos == len(y) {
		return 0, fmt.Errorf("%w: %d rows, %d positive: logistic regression needs both classes", ErrData, len(y), nPos)
	}
	for _, f := range d.Features {
		if f.Categorical {
			continue
		}
		for i, v := range f.Values {
			if math.IsInf(v, 0) {
				return 0, &ValueError{Feature: f.Name, Row: i, Value: v}
			}
		}
	}
	return nPos, nil
}

// weightedProblem is the objective over design x with each row weighted by
// its class, and the intercept b0 to start from.
func weightedProblem(x *design, y []float64, nPos int, wNeg, wPos float64, p Params) (*problem, float64) {
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
	return pr, b0
}

// solve minimises pr from w = 0 and intercept b0: by Newton-CD when the
// penalty has an L1 part, else by L-BFGS.
func solve(ctx context.Context, pr *problem, b0 float64, p Params) ([]float64, float64, FitInfo, error) {
	if l1, _ := p.l1l2(); l1 > 0 {
		return solveNewtonCD(ctx, pr, nil, b0, p)
	}
	w, b, info, err := solveLBFGS(ctx, pr, b0, p)
	if err != nil || info.Converged || info.Iterations >= p.MaxIter {
		return w, b, info, err
	}
	// L-BFGS's line search stalls at rounding level; finish with Newton
	// steps (see solveNewtonCD) from where it stopped.
	polish := p
	polish.MaxIter = p.MaxIter - info.Iterations
	w, b, more, err := solveNewtonCD(ctx, pr, w, b, polish)
	more.Solver = "lbfgs+newton-cd"
	more.Iterations += info.Iterations
	return w, b, more, err
}
