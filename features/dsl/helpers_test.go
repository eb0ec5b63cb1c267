package dsl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
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

// roundTrip marshals p, reads it back and checks that both pipelines give
// bit-identical outputs on every frame; it returns the JSON.
func roundTrip(t *testing.T, p *Pipeline, frames ...*features.Frame) []byte {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q Pipeline
	if err := json.Unmarshal(data, &q); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(&q)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Errorf("pipeline JSON is not stable across a round trip")
	}
	if q.Spec().Hash() != p.Spec().Hash() {
		t.Errorf("spec hash changed in the round trip")
	}
	for k, fr := range frames {
		a, err := p.Apply(context.Background(), fr)
		if err != nil {
			t.Fatal(err)
		}
		b, err := q.Apply(context.Background(), fr)
		if err != nil {
			t.Fatal(err)
		}
		if ok, where := sameOutput(a, b); !ok {
			t.Errorf("frame %d: outputs differ after the JSON round trip at %s", k, where)
		}
	}
	return data
}

// specCase is an expected error from Parse or Check.
type specCase struct {
	src       string
	line, col int
	msg, hint string
	cause     error
}

// assertSpecError checks err against the expected position, message, hint and cause.
func assertSpecError(t *testing.T, tc specCase, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%q: %v, want *Error", tc.src, err)
		return
	}
	if e.Pos.Line != tc.line || e.Pos.Column != tc.col {
		t.Errorf("%q: at %s, want %d:%d (%v)", tc.src, e.Pos, tc.line, tc.col, err)
	}
	if !strings.Contains(e.Msg, tc.msg) || !strings.Contains(e.Hint, tc.hint) {
		t.Errorf("%q: %q / %q, want %q / %q", tc.src, e.Msg, e.Hint, tc.msg, tc.hint)
	}
	if !errors.Is(err, tc.cause) {
		t.Errorf("%q: %v is not %v", tc.src, err, tc.cause)
	}
}
