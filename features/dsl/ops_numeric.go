package dsl

import (
	"math"
	"slices"
	"sort"
)

// unaryImpl is a row-wise numeric function.
type unaryImpl struct{ f func(float64) float64 }

func (o unaryImpl) apply(_ *evalCtx, a []value) (value, error) {
	return value{num: mapNum(a[0].num, o.f)}, nil
}

// binaryImpl is a row-wise function of two numeric arguments; a missing
// input or a non-finite result is missing.
type binaryImpl struct{ f func(a, b float64) float64 }

func (o binaryImpl) apply(_ *evalCtx, a []value) (value, error) {
	x, y := a[0].num, a[1].num
	out := make([]float64, len(x))
	for i := range out {
		r := o.f(x[i], y[i])
		if math.IsInf(r, 0) {
			r = math.NaN()
		}
		out[i] = r
	}
	return value{num: out}, nil
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// isMissingImpl works on any value kind.
type isMissingImpl struct{}

func (isMissingImpl) apply(ec *evalCtx, a []value) (value, error) {
	out := make([]float64, ec.rows)
	if a[0].codes != nil || a[0].levels != nil {
		for i, c := range a[0].codes {
			if c < 0 {
				out[i] = 1
			}
		}
	} else {
		for i, v := range a[0].num {
			if v != v {
				out[i] = 1
			}
		}
	}
	return value{num: out}, nil
}

type fillImpl struct{ v float64 }

func (o fillImpl) apply(_ *evalCtx, a []value) (value, error) {
	out := make([]float64, len(a[0].num))
	for i, x := range a[0].num {
		if x != x {
			x = o.v
		}
		out[i] = x
	}
	return value{num: out}, nil
}

// quantileSample bounds the values sorted to find bin edges and ranks: like
// LightGBM's bin_construct_sample_cnt, larger inputs use evenly spaced rows.
const quantileSample = 200_000

// finiteSorted returns the finite values of x (of at most quantileSample
// evenly spaced rows), sorted.
func finiteSorted(x []float64) []float64 {
	step := 1
	if len(x) > quantileSample {
		step = (len(x) + quantileSample - 1) / quantileSample
	}
	v := make([]float64, 0, len(x)/step+1)
	for i := 0; i < len(x); i += step {
		if f := x[i]; !math.IsNaN(f) && !math.IsInf(f, 0) {
			v = append(v, f)
		}
	}
	slices.Sort(v)
	return v
}

// binImpl: quantile bins fitted on training rows.
type binImpl struct {
	k  int
	st struct {
		Edges floats `json:"edges"`
	}
}

func (o *binImpl) state() any { return &o.st }

func (o *binImpl) fit(ec *evalCtx, a []value) (value, error) {
	v := finiteSorted(a[0].num)
	edges := []float64{}
	if n := len(v); n > 0 {
		for j := 1; j < o.k; j++ {
			// edge j is the lower j/k quantile: v[ceil(j·n/k) - 1].
			idx := (j*n+o.k-1)/o.k - 1
			e := v[max(idx, 0)]
			if len(edges) == 0 || e > edges[len(edges)-1] {
				edges = append(edges, e)
			}
		}
		if len(edges) > 0 && edges[len(edges)-1] == v[n-1] {
			// an edge at the maximum would leave the last bin empty
			edges = edges[:len(edges)-1]
		}
	}
	o.st.Edges = edges
	return o.apply(ec, a)
}

func (o *binImpl) apply(_ *evalCtx, a []value) (value, error) {
	edges := []float64(o.st.Edges)
	out := make([]float64, len(a[0].num))
	for i, x := range a[0].num {
		if x != x {
			out[i] = x
			continue
		}
		out[i] = float64(sort.SearchFloat64s(edges, x)) // first edge ≥ x
	}
	return value{num: out}, nil
}

// maxRankPoints bounds the stored distribution of rank.
const maxRankPoints = 4096

// rankImpl: percentile rank against the training distribution.
type rankImpl struct {
	st struct {
		Values floats `json:"values"` // distinct training values (or a subsample), ascending
		Ranks  floats `json:"ranks"`  // their mid-rank fractions
	}
}

func (o *rankImpl) state() any { return &o.st }

func (o *rankImpl) fit(ec *evalCtx, a []value) (value, error) {
	v := finiteSorted(a[0].num)
	n := float64(len(v))
	var vals, ranks []float64
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && v[j] == v[i] {
			j++
		}
		vals = append(vals, v[i])
		ranks = append(ranks, (float64(i)+0.5*float64(j-i))/n)
		i = j
	}
	if len(vals) > maxRankPoints {
		sv, sr := make([]float64, maxRankPoints), make([]float64, maxRankPoints)
		for k := range sv {
			idx := k * (len(vals) - 1) / (maxRankPoints - 1)
			sv[k], sr[k] = vals[idx], ranks[idx]
		}
		vals, ranks = sv, sr
	}
	o.st.Values, o.st.Ranks = append(floats{}, vals...), append(floats{}, ranks...)
	return o.apply(ec, a)
}

func (o *rankImpl) apply(_ *evalCtx, a []value) (value, error) {
	vals, ranks := []float64(o.st.Values), []float64(o.st.Ranks)
	out := make([]float64, len(a[0].num))
	for i, x := range a[0].num {
		switch {
		case x != x:
			out[i] = x
		case len(vals) == 0:
			out[i] = math.NaN()
		case x < vals[0]:
			out[i] = 0
		case x > vals[len(vals)-1]:
			out[i] = 1
		default:
			j := sort.SearchFloat64s(vals, x)
			if vals[j] == x {
				out[i] = ranks[j]
			} else {
				t := (x - vals[j-1]) / (vals[j] - vals[j-1])
				out[i] = ranks[j-1] + t*(ranks[j]-ranks[j-1])
			}
		}
	}
	return value{num: out}, nil
}

func powFunc(k float64) func(float64) float64 {
	return func(x float64) float64 {
		if x == 0 && k < 0 {
			return math.NaN()
		}
		return math.Pow(x, k)
	}
}

func log1pFunc(x float64) float64 {
	if x <= -1 {
		return math.NaN()
	}
	return math.Log1p(x)
}

func sqrtFunc(x float64) float64 {
	if x < 0 {
		return math.NaN()
	}
	return math.Sqrt(x)
}
