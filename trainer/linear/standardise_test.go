package linear

import (
	"math"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

// TestStandardiseHugeValues: values near the float64 limit must not make
// the mean or the scale overflow (issue 16's fuzz target found NaN scores
// from a column holding -1.797e308); ordinary columns are unchanged.
func TestStandardiseHugeValues(t *testing.T) {
	cases := []struct {
		col         []float64
		mean, scale float64
	}{
		{[]float64{1, 2, 3, 4}, 2.5, math.Sqrt(1.25)},
		{[]float64{-1.7976931348623157e308, 0, 0, 0}, -1.7976931348623157e308 / 4, math.Sqrt(3) / 4 * 1.7976931348623157e308},
		{[]float64{1e308, 1e308, -1e308, -1e308}, 0, 1e308},
		{[]float64{1e308, 1e308}, 1e308, 1},
	}
	for _, c := range cases {
		col := append([]float64(nil), c.col...)
		mean, scale := standardise(col)
		if math.Abs(mean-c.mean) > 1e-12*math.Abs(c.mean) || math.Abs(scale-c.scale) > 1e-12*c.scale {
			t.Errorf("standardise(%v) = %v, %v; want %v, %v", c.col, mean, scale, c.mean, c.scale)
		}
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("standardise(%v): value %d is %v", c.col, i, v)
			}
		}
	}
}

// TestMeanImputationOfHugeValues: the mean that fills missing values must
// not overflow either (the fuzz target's second find: -Inf imputed).
func TestMeanImputationOfHugeValues(t *testing.T) {
	f := trainer.Feature{Name: "x", Values: []float64{-1.7976931348623157e308, -1.7976931348623157e308, math.NaN(), 0}}
	term, cols := numericTerm(f)
	if math.IsInf(term.Mean, 0) || math.IsNaN(term.Mean) || math.IsInf(term.Scale, 0) {
		t.Fatalf("term %+v", term)
	}
	for _, c := range cols {
		for i, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("design value %d is %v", i, v)
			}
		}
	}
}
