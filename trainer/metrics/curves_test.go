package metrics

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// Hand-computed curves: tied scores move together, calibration bins hold
// their rows' mean prediction and positive rate.
func TestHoldoutCurvesByHand(t *testing.T) {
	c := ComputeCurves([]float64{1, 0, 1, 0}, []float64{0.9, 0.8, 0.8, 0.1})
	want := Curves{
		ROC:         []CurvePoint{{X: 0, Y: 0}, {X: 0, Y: 0.5}, {X: 0.5, Y: 1}, {X: 1, Y: 1}},
		PR:          []CurvePoint{{X: 0.5, Y: 1}, {X: 1, Y: 2.0 / 3}, {X: 1, Y: 0.5}},
		Calibration: []CalibrationBin{{Predicted: 0.1, Observed: 0, Rows: 1}, {Predicted: 0.8, Observed: 0.5, Rows: 2}, {Predicted: 0.9, Observed: 1, Rows: 1}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("curves\n got %+v\nwant %+v", c, want)
	}
}

// The area under the journaled ROC curve (trapezoids) is the ROC AUC the
// metrics package reports, with ties and after thinning to ~200 points
// (to the thinning's error), on 5,000 rows.
func TestHoldoutCurvesAgreeWithAUC(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 5000
	y, p := make([]float64, n), make([]float64, n)
	for i := range y {
		if r.Float64() < 0.2 {
			y[i] = 1
		}
		p[i] = math.Round((0.3*y[i]+0.7*r.Float64())*1000) / 1000 // ties
	}
	rep, err := Compute(y, p)
	if err != nil {
		t.Fatal(err)
	}
	c := ComputeCurves(y, p)
	if len(c.ROC) > MaxCurvePoints+1 || len(c.PR) > MaxCurvePoints+1 {
		t.Fatalf("%d ROC and %d PR points, want at most %d", len(c.ROC), len(c.PR), MaxCurvePoints+1)
	}
	area := 0.0
	for i := 1; i < len(c.ROC); i++ {
		area += (c.ROC[i].X - c.ROC[i-1].X) * (c.ROC[i].Y + c.ROC[i-1].Y) / 2
	}
	if math.Abs(area-rep.AUC) > 2e-3 {
		t.Errorf("area under the thinned ROC %.5f, AUC %.5f", area, rep.AUC)
	}
	if last := c.ROC[len(c.ROC)-1]; last != (CurvePoint{X: 1, Y: 1}) {
		t.Errorf("ROC ends at %+v", last)
	}
	rows := 0
	for _, b := range c.Calibration {
		rows += b.Rows
	}
	if rows != n {
		t.Errorf("calibration bins hold %d rows, want %d", rows, n)
	}
}
