package trainer

import (
	"fmt"
	"math"
)

// Feature is one column of a numeric design matrix.
//
// A numeric feature holds any float64 values, NaN for missing.
// A categorical feature holds non-negative integer category codes as float64
// (NaN for missing); NumCategories bounds the codes (code < NumCategories).
// This mirrors how LightGBM sees categorical columns, so the codes are exactly
// what a LightGBM model file written by the GBDT trainer refers to.
type Feature struct {
	Name          string
	Categorical   bool
	NumCategories int
	Values        []float64
}

// SparseBlock is a group of many sparse numeric features (for example hashed
// token counts) in CSR form: row r's entries are Index[RowPtr[r]:RowPtr[r+1]]
// with values Value[...]. Feature names are Name+"_"+index. The linear model
// uses sparse blocks; the GBDT ignores them (it gets dense summaries instead).
type SparseBlock struct {
	Name   string
	Width  int
	RowPtr []int
	Index  []int32
	Value  []float64
}

// Dataset is a column-major numeric design: what every learner trains on.
// It knows nothing of files, frames or studies.
type Dataset struct {
	Features []Feature
	Sparse   []SparseBlock
	Rows     int
}

// Validate checks that every column has Rows values and that categorical
// codes are in range. It names the first offending feature.
func (d *Dataset) Validate() error {
	for _, f := range d.Features {
		if len(f.Values) != d.Rows {
			return fmt.Errorf("feature %q: %d values, want %d rows", f.Name, len(f.Values), d.Rows)
		}
		if f.Categorical {
			for i, v := range f.Values {
				if v != v {
					continue
				}
				if v < 0 || v != float64(int64(v)) || (f.NumCategories > 0 && int(v) >= f.NumCategories) {
					return fmt.Errorf("feature %q row %d: categorical code %v outside 0..%d", f.Name, i, v, f.NumCategories-1)
				}
			}
		}
	}
	for _, s := range d.Sparse {
		if len(s.RowPtr) != d.Rows+1 {
			return fmt.Errorf("sparse block %q: %d row pointers, want %d", s.Name, len(s.RowPtr), d.Rows+1)
		}
		if len(s.Index) != len(s.Value) {
			return fmt.Errorf("sparse block %q: %d indices but %d values", s.Name, len(s.Index), len(s.Value))
		}
		if s.RowPtr[0] != 0 || s.RowPtr[d.Rows] != len(s.Index) {
			return fmt.Errorf("sparse block %q: row pointers run %d..%d, want 0..%d", s.Name, s.RowPtr[0], s.RowPtr[d.Rows], len(s.Index))
		}
		for r := 0; r < d.Rows; r++ {
			if s.RowPtr[r+1] < s.RowPtr[r] {
				return fmt.Errorf("sparse block %q: row pointer %d decreases (%d after %d)", s.Name, r+1, s.RowPtr[r+1], s.RowPtr[r])
			}
		}
		for k, i := range s.Index {
			if i < 0 || int(i) >= s.Width {
				return fmt.Errorf("sparse block %q: entry %d has index %d outside 0..%d", s.Name, k, i, s.Width-1)
			}
			if v := s.Value[k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("sparse block %q: entry %d (index %d) is %v; sparse values must be finite", s.Name, k, i, v)
			}
		}
	}
	return nil
}

// Take returns the rows idx of d (a fold is a row subset). d must be
// valid (Validate).
func (d *Dataset) Take(idx []int) *Dataset {
	out := &Dataset{Rows: len(idx), Features: make([]Feature, len(d.Features))}
	for j, f := range d.Features {
		v := make([]float64, len(idx))
		for k, i := range idx {
			v[k] = f.Values[i]
		}
		out.Features[j] = Feature{Name: f.Name, Categorical: f.Categorical, NumCategories: f.NumCategories, Values: v}
	}
	for _, s := range d.Sparse {
		ns := SparseBlock{Name: s.Name, Width: s.Width, RowPtr: make([]int, 1, len(idx)+1)}
		for _, i := range idx {
			ns.Index = append(ns.Index, s.Index[s.RowPtr[i]:s.RowPtr[i+1]]...)
			ns.Value = append(ns.Value, s.Value[s.RowPtr[i]:s.RowPtr[i+1]]...)
			ns.RowPtr = append(ns.RowPtr, len(ns.Index))
		}
		out.Sparse = append(out.Sparse, ns)
	}
	return out
}
