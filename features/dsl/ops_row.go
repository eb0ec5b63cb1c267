package dsl

import "math"

// rowStat is what a row-wise aggregate computes.
type rowStat uint8

const (
	rowSum rowStat = iota
	rowMean
	rowMin
	rowMax
)

func rowStatOf(op string) rowStat {
	switch op {
	case "mean":
		return rowMean
	case "min":
		return rowMin
	case "max":
		return rowMax
	}
	return rowSum
}

// rowImpl is a row-wise aggregate over any number of numeric arguments:
// sum, mean, min or max of the arguments present in the row, each first
// multiplied by its weight when weights is set (wsum). Arguments are taken
// in the order of the canonical text, so a sum is the same IEEE sum in
// every fit and apply and after a JSON round trip.
//
// It folds one argument at a time into per-row accumulators (evalArgs), so
// a total over 1,000 computed parts holds one part in memory, not 1,000.
type rowImpl struct {
	stat    rowStat
	weights []float64 // one per argument, or nil
}

// rowAcc is the running aggregate: acc is meaningful where present > 0.
type rowAcc struct {
	acc     []float64
	present []int32
}

func (o rowImpl) evalArgs(ec *evalCtx, args []node) (value, error) {
	r := rowAcc{acc: make([]float64, ec.rows), present: make([]int32, ec.rows)}
	for j, a := range args {
		if err := ec.ctx.Err(); err != nil {
			return value{}, err
		}
		v, err := a.eval(ec)
		if err != nil {
			return value{}, err
		}
		o.add(&r, j, v.num)
	}
	return value{num: o.finish(&r)}, nil
}

// apply is evalArgs on arguments already evaluated.
func (o rowImpl) apply(ec *evalCtx, a []value) (value, error) {
	r := rowAcc{acc: make([]float64, ec.rows), present: make([]int32, ec.rows)}
	for j, v := range a {
		o.add(&r, j, v.num)
	}
	return value{num: o.finish(&r)}, nil
}

// add folds argument j into the aggregate; missing values are skipped.
func (o rowImpl) add(r *rowAcc, j int, x []float64) {
	acc, present := r.acc, r.present
	w := 1.0
	if o.weights != nil {
		w = o.weights[j]
	}
	for i, v := range x {
		if v != v {
			continue
		}
		if o.weights != nil {
			v *= w
		}
		switch {
		case present[i] == 0:
			acc[i] = v
		case o.stat == rowSum || o.stat == rowMean:
			acc[i] += v
		case o.stat == rowMin:
			acc[i] = math.Min(acc[i], v)
		default:
			acc[i] = math.Max(acc[i], v)
		}
		present[i]++
	}
}

// finish turns the aggregate into the output: a row with nothing present
// is missing (see rowMiss), and so is a non-finite result.
func (o rowImpl) finish(r *rowAcc) []float64 {
	acc := r.acc
	for i, n := range r.present {
		switch {
		case n == 0:
			acc[i] = math.NaN()
		case o.stat == rowMean:
			// an overflowing sum makes the mean missing, as it does the sum
			acc[i] /= float64(n)
		}
		if math.IsInf(acc[i], 0) {
			acc[i] = math.NaN()
		}
	}
	return acc
}
