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

// rowImpl is a row-wise aggregate over any number of numeric arguments:
// sum, mean, min or max of the arguments present in the row, each first
// multiplied by its weight when weights is set (wsum). Arguments are taken
// in the order of the canonical text, so a sum is the same IEEE sum in
// every fit and apply and after a JSON round trip.
type rowImpl struct {
	stat    rowStat
	weights []float64 // one per argument, or nil
}

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

// apply folds the arguments one column at a time into per-row
// accumulators, counting the values present, so that a row with none
// present is missing and the others aggregate what is known (see rowMiss).
func (o rowImpl) apply(ec *evalCtx, a []value) (value, error) {
	acc := make([]float64, ec.rows)
	present := make([]int32, ec.rows)
	for j, v := range a {
		w := 1.0
		if o.weights != nil {
			w = o.weights[j]
		}
		for i, x := range v.num {
			if x != x {
				continue
			}
			if o.weights != nil {
				x *= w
			}
			switch {
			case present[i] == 0:
				acc[i] = x
			case o.stat == rowSum || o.stat == rowMean:
				acc[i] += x
			case o.stat == rowMin:
				acc[i] = math.Min(acc[i], x)
			default:
				acc[i] = math.Max(acc[i], x)
			}
			present[i]++
		}
	}
	for i, n := range present {
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
	return value{num: acc}, nil
}
