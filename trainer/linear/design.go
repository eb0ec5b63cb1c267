package linear

import (
	"cmp"
	"math"
	"slices"

	"github.com/nightshift-ml/nightshift/trainer"
)

// design is the training matrix after preprocessing: dense standardised
// columns, then sparse columns (one-hot levels, then sparse blocks) in
// compressed-column form. Column j < len(dense) is dense[j]; column
// len(dense)+k holds rows idx[ptr[k]:ptr[k+1]] with values val[ptr[k]:ptr[k+1]].
//
// One-hot columns are also kept row-wise (cats): margins and gradients over
// all rows read them in row order, which is several times faster than
// scattering through the columns when there are 100k levels.
type design struct {
	n     int
	dense [][]float64
	ptr   []int
	idx   []int32
	val   []float64
	cats  []catCols
	// blockStart is the first sparse column that belongs to a sparse block
	// (the one-hot columns come before it).
	blockStart int
}

// catCols maps each row to its one-hot column: sparse column off+col[i].
type catCols struct {
	off int
	col []int32
}

func (x *design) width() int { return len(x.dense) + len(x.ptr) - 1 }

// fitPreprocessing learns the model's terms (without coefficients) from the
// training rows and builds their design matrix.
func fitPreprocessing(d *trainer.Dataset, p Params) (*Model, *design, error) {
	m := &Model{Format: FormatName, Version: FormatVersion, Params: p}
	x := &design{n: d.Rows, ptr: []int{0}}
	for _, f := range d.Features {
		if f.Categorical {
			continue
		}
		t, cols := numericTerm(f)
		m.Numeric = append(m.Numeric, t)
		x.dense = append(x.dense, cols...)
	}
	for _, f := range d.Features {
		if !f.Categorical {
			continue
		}
		t, rowsOf, colOf := categoricalTerm(f, p)
		m.Categorical = append(m.Categorical, t)
		x.cats = append(x.cats, catCols{off: len(x.ptr) - 1, col: colOf})
		for _, rows := range rowsOf {
			x.idx = append(x.idx, rows...)
			for range rows {
				x.val = append(x.val, 1)
			}
			x.ptr = append(x.ptr, len(x.idx))
		}
	}
	x.blockStart = len(x.ptr) - 1
	for _, b := range d.Sparse {
		t := SparseTerm{Name: b.Name, Width: b.Width, Coef: make([]float64, b.Width)}
		m.Sparse = append(m.Sparse, t)
		appendCSC(x, b)
	}
	return m, x, nil
}

// numericTerm standardises one numeric feature: mean-impute, add a missing
// indicator if any value is missing, scale both by their population std.
func numericTerm(f trainer.Feature) (NumericTerm, [][]float64) {
	n := len(f.Values)
	var sum float64
	var obs int
	for _, v := range f.Values {
		if !math.IsNaN(v) {
			sum += v
			obs++
		}
	}
	t := NumericTerm{Name: f.Name}
	if obs > 0 {
		t.Mean = sum / float64(obs)
		if math.IsInf(t.Mean, 0) {
			t.Mean, _ = scaledMoments(f.Values)
		}
	}
	col := make([]float64, n)
	for i, v := range f.Values {
		if math.IsNaN(v) {
			v = t.Mean
		}
		col[i] = v
	}
	t.Mean, t.Scale = standardise(col)
	cols := [][]float64{col}
	if obs < n {
		ind := make([]float64, n)
		for i, v := range f.Values {
			if math.IsNaN(v) {
				ind[i] = 1
			}
		}
		mean, scale := standardise(ind)
		t.Missing = &ScaledTerm{Mean: mean, Scale: scale}
		cols = append(cols, ind)
	}
	return t, cols
}

// standardise centres and scales col in place by its mean and population
// standard deviation (two-pass, as numpy.var), keeping scale 1 for a constant
// column as sklearn's StandardScaler does.
func standardise(col []float64) (mean, scale float64) {
	for _, v := range col {
		mean += v
	}
	mean /= float64(len(col))
	var ss float64
	for _, v := range col {
		ss += (v - mean) * (v - mean)
	}
	scale = math.Sqrt(ss / float64(len(col)))
	if math.IsInf(mean, 0) || math.IsInf(scale, 0) {
		mean, scale = scaledMoments(col)
	}
	if scale == 0 || math.IsNaN(scale) {
		scale = 1
	}
	for i, v := range col {
		col[i] = (v - mean) / scale
	}
	return mean, scale
}

// scaledMoments is the mean and population std of the present (non-NaN)
// values for values so large (1e308) that the plain sums overflow: the
// values are divided by a power of two near their largest magnitude first
// (exactly), so no sum can overflow, and the results, both at most that
// magnitude, are scaled back.
func scaledMoments(col []float64) (mean, std float64) {
	var top float64
	n := 0
	for _, v := range col {
		if !math.IsNaN(v) {
			top = math.Max(top, math.Abs(v))
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	_, e := math.Frexp(top) // top < 2^e
	m := math.Ldexp(1, e-1)
	for _, v := range col {
		if !math.IsNaN(v) {
			mean += v / m
		}
	}
	mean /= float64(n)
	var ss float64
	for _, v := range col {
		if !math.IsNaN(v) {
			d := v/m - mean
			ss += d * d
		}
	}
	return mean * m, math.Sqrt(ss/float64(n)) * m
}

// categoricalTerm chooses the one-hot columns of a categorical feature and
// returns, per column, the training rows holding it, and per row its column.
func categoricalTerm(f trainer.Feature, p Params) (CategoricalTerm, [][]int32, []int32) {
	count := map[int64]int{}
	var missing int
	for _, v := range f.Values {
		if math.IsNaN(v) {
			missing++
		} else {
			count[int64(v)]++
		}
	}
	levels := make([]LevelTerm, 0, len(count))
	for c, k := range count {
		levels = append(levels, LevelTerm{Code: c, Count: k})
	}
	// Most frequent first, ties by code: deterministic whatever the map order.
	slices.SortFunc(levels, func(a, b LevelTerm) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Code, b.Code)
	})
	keep := 0
	for keep < len(levels) && keep < p.MaxLevels && levels[keep].Count >= p.MinLevelCount {
		keep++
	}
	t := CategoricalTerm{Name: f.Name, Levels: levels[:keep:keep]}
	col := make(map[int64]int, keep)
	for j, l := range t.Levels {
		col[l.Code] = j
	}
	ncol := keep
	otherCol, missingCol := -1, -1
	if pooled := levels[keep:]; len(pooled) > 0 {
		t.Other = &PooledTerm{Levels: len(pooled)}
		for _, l := range pooled {
			t.Other.Count += l.Count
		}
		otherCol = ncol
		ncol++
	}
	if missing > 0 {
		t.Missing = &PooledTerm{Count: missing}
		missingCol = ncol
		ncol++
	}
	rows := make([][]int32, ncol)
	colOf := make([]int32, len(f.Values))
	for i, v := range f.Values {
		j := missingCol
		if !math.IsNaN(v) {
			var ok bool
			if j, ok = col[int64(v)]; !ok {
				j = otherCol
			}
		}
		rows[j] = append(rows[j], int32(i))
		colOf[i] = int32(j)
	}
	return t, rows, colOf
}

// appendCSC transposes a CSR sparse block (already checked by trainer.Dataset.Validate)
// into x's sparse columns.
func appendCSC(x *design, b trainer.SparseBlock) {
	counts := make([]int, b.Width+1)
	for _, c := range b.Index {
		counts[c+1]++
	}
	for j := range b.Width {
		counts[j+1] += counts[j]
	}
	base := len(x.idx)
	x.idx = append(x.idx, make([]int32, len(b.Index))...)
	x.val = append(x.val, make([]float64, len(b.Index))...)
	next := slices.Clone(counts[:b.Width])
	for r := range x.n {
		for e := b.RowPtr[r]; e < b.RowPtr[r+1]; e++ {
			c := b.Index[e]
			x.idx[base+next[c]] = int32(r)
			x.val[base+next[c]] = b.Value[e]
			next[c]++
		}
	}
	for j := range b.Width {
		x.ptr = append(x.ptr, base+counts[j+1])
	}
}
