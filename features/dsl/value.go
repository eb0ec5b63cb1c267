package dsl

import (
	"context"
	"math"

	"github.com/nightshift-ml/nightshift/features"
)

// vtype is the static type of an expression.
type vtype uint8

const (
	vNum    vtype = iota // numeric
	vTime                // datetime column: numeric Unix seconds
	vCat                 // categorical (codes into levels)
	vText                // text column (codes into levels)
	vSparse              // sparse block
)

var vtypeNames = [...]string{"numeric", "datetime", "categorical", "text", "sparse"}

func (t vtype) String() string { return vtypeNames[t] }

// value is an evaluated expression over the rows being fitted or applied.
// Numeric values use num (NaN = missing); categorical and text values use
// codes (-1 = missing) into levels, which belong to the frame being
// evaluated — fitted tables are always looked up by level text, never by code.
type value struct {
	num    []float64
	codes  []int32
	levels []string
	sp     *Sparse
}

// Sparse is a block of sparse numeric features in CSR form: row r's entries
// are Index[RowPtr[r]:RowPtr[r+1]] with values Value[...]; feature names are
// Name+"_"+index. The fields mirror trainer.SparseBlock one to one.
type Sparse struct {
	Name   string
	Width  int
	RowPtr []int
	Index  []int32
	Value  []float64
}

// evalCtx is what nodes see while fitting or applying.
type evalCtx struct {
	ctx    context.Context
	frame  *features.Frame
	rows   int
	fit    bool
	y      []float64 // labels, fit only
	folds  []int32   // out-of-fold assignment of training rows, fit only
	nfolds int
}

// node is one compiled expression. eval fits the node's state first when
// ec.fit is set and returns the output for the frame's rows; with ec.fit
// unset it uses the fitted state. Stateless nodes compute the same either way.
type node interface {
	eval(ec *evalCtx) (value, error)
	children() []node
}

// stateful nodes carry fitted state that the pipeline serialises.
type stateful interface {
	node
	opName() string
	state() any // pointer to the JSON-encodable state
}

// levelIndex maps the frame's level codes to indices in a fitted table
// (-1 when the level is not in it). It is computed once per level, not per row.
func levelIndex(levels []string, table map[string]int32) []int32 {
	out := make([]int32, len(levels))
	for i, l := range levels {
		if j, ok := table[l]; ok {
			out[i] = j
		} else {
			out[i] = -1
		}
	}
	return out
}

func indexOf(levels []string) map[string]int32 {
	m := make(map[string]int32, len(levels))
	for i, l := range levels {
		m[l] = int32(i)
	}
	return m
}

// presentLevels lists the levels that occur in codes, in level order, with counts.
func presentLevels(codes []int32, levels []string) ([]string, []int) {
	cnt := make([]int, len(levels))
	for _, c := range codes {
		if c >= 0 {
			cnt[c]++
		}
	}
	var ls []string
	var cs []int
	for i, n := range cnt {
		if n > 0 {
			ls = append(ls, levels[i])
			cs = append(cs, n)
		}
	}
	return ls, cs
}

func nanSlice(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

// mapNum applies f to every non-missing value; missing stays missing and
// NaN or ±Inf results become missing.
func mapNum(x []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		if v != v {
			out[i] = v
			continue
		}
		r := f(v)
		if math.IsInf(r, 0) {
			r = math.NaN()
		}
		out[i] = r
	}
	return out
}

// perLevel computes f once per level and broadcasts it over the rows: text
// stats cost one scan per distinct text.
func perLevel(v value, f func(string) float64) []float64 {
	lv := make([]float64, len(v.levels))
	for i, s := range v.levels {
		lv[i] = f(s)
	}
	out := make([]float64, len(v.codes))
	for i, c := range v.codes {
		if c < 0 {
			out[i] = math.NaN()
		} else {
			out[i] = lv[c]
		}
	}
	return out
}
