package dsl

import (
	"context"
	"math"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

// nan is a missing numeric value in test tables.
var nan = math.NaN()

func numCol(name string, v ...float64) *features.Column {
	c := &features.Column{Name: name, Kind: features.Numeric, Num: v}
	for _, x := range v {
		if x != x {
			c.Missing++
		}
	}
	return c
}

func timeCol(name string, v ...float64) *features.Column {
	c := numCol(name, v...)
	c.Kind = features.Datetime
	return c
}

// strCol builds a string column; "" is missing. Levels are in order of
// first appearance, like the loader's.
func strCol(name string, kind features.Kind, v ...string) *features.Column {
	c := &features.Column{Name: name, Kind: kind, Codes: make([]int32, len(v))}
	idx := map[string]int32{}
	for i, s := range v {
		if s == "" {
			c.Codes[i] = -1
			c.Missing++
			continue
		}
		j, ok := idx[s]
		if !ok {
			j = int32(len(c.Levels))
			idx[s] = j
			c.Levels = append(c.Levels, s)
			c.Counts = append(c.Counts, 0)
		}
		c.Codes[i] = j
		c.Counts[j]++
	}
	return c
}

func catCol(name string, v ...string) *features.Column {
	return strCol(name, features.Categorical, v...)
}

func textCol(name string, v ...string) *features.Column { return strCol(name, features.Text, v...) }

func frameOf(cols ...*features.Column) *features.Frame {
	f := &features.Frame{Columns: cols}
	if len(cols) > 0 {
		f.Rows = cols[0].Len()
	}
	return f
}

// fitSpec parses and fits src on f, failing the test on error.
func fitSpec(t *testing.T, src string, f *features.Frame, y []float64, opt FitOptions) (*Pipeline, *Output) {
	t.Helper()
	spec, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	p, out, err := Fit(context.Background(), spec, f, y, opt)
	if err != nil {
		t.Fatalf("Fit(%q): %v", src, err)
	}
	return p, out
}

// sameFloats compares bit for bit except that any NaN equals any NaN.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
		if math.Signbit(a[i]) != math.Signbit(b[i]) && a[i] == a[i] {
			return false
		}
	}
	return true
}

func closeFloats(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != a[i] || b[i] != b[i] {
			if !(a[i] != a[i] && b[i] != b[i]) {
				return false
			}
			continue
		}
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

// sameOutput reports whether two outputs are bit-identical.
func sameOutput(a, b *Output) (bool, string) {
	if a.Rows != b.Rows || len(a.Columns) != len(b.Columns) || len(a.Sparse) != len(b.Sparse) {
		return false, "shape differs"
	}
	for i, ca := range a.Columns {
		cb := b.Columns[i]
		if ca.Name != cb.Name || ca.Kind != cb.Kind {
			return false, "column " + ca.Name + " name/kind"
		}
		if !sameFloats(ca.Num, cb.Num) {
			return false, "column " + ca.Name + " values"
		}
		if len(ca.Codes) != len(cb.Codes) || len(ca.Levels) != len(cb.Levels) {
			return false, "column " + ca.Name + " codes/levels"
		}
		for j := range ca.Codes {
			if ca.Codes[j] != cb.Codes[j] {
				return false, "column " + ca.Name + " codes"
			}
		}
		for j := range ca.Levels {
			if ca.Levels[j] != cb.Levels[j] {
				return false, "column " + ca.Name + " levels"
			}
		}
	}
	for i, sa := range a.Sparse {
		sb := b.Sparse[i]
		if sa.Name != sb.Name || sa.Width != sb.Width || len(sa.Index) != len(sb.Index) || len(sa.RowPtr) != len(sb.RowPtr) {
			return false, "sparse " + sa.Name
		}
		for j := range sa.RowPtr {
			if sa.RowPtr[j] != sb.RowPtr[j] {
				return false, "sparse rowptr " + sa.Name
			}
		}
		for j := range sa.Index {
			if sa.Index[j] != sb.Index[j] || sa.Value[j] != sb.Value[j] {
				return false, "sparse entries " + sa.Name
			}
		}
	}
	return true, ""
}
