package trainer

import (
	"math"
	"strings"
	"testing"
)

func TestValidateNamesTheFaultyFeature(t *testing.T) {
	ok := func() *Dataset {
		return &Dataset{Rows: 2,
			Features: []Feature{{Name: "x", Values: []float64{1, math.NaN()}}, {Name: "c", Categorical: true, NumCategories: 3, Values: []float64{0, 2}}},
			Sparse:   []SparseBlock{{Name: "tok", Width: 4, RowPtr: []int{0, 1, 3}, Index: []int32{3, 0, 1}, Value: []float64{1, 1, 2}}},
		}
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("valid dataset: %v", err)
	}
	cases := []struct {
		break_ func(d *Dataset)
		want   string
	}{
		{func(d *Dataset) { d.Features[0].Values = d.Features[0].Values[:1] }, `feature "x": 1 values, want 2 rows`},
		{func(d *Dataset) { d.Features[1].Values[1] = 3 }, `feature "c" row 1: categorical code 3 outside 0..2`},
		{func(d *Dataset) { d.Features[1].Values[0] = 0.5 }, `feature "c" row 0: categorical code 0.5`},
		{func(d *Dataset) { d.Sparse[0].Index[0] = 4 }, `sparse block "tok": entry 0 has index 4 outside 0..3`},
		{func(d *Dataset) { d.Sparse[0].RowPtr = []int{0, 3, 1} }, `sparse block "tok": row pointers run 0..1, want 0..3`},
		{func(d *Dataset) { d.Sparse[0].Value = d.Sparse[0].Value[:2] }, `sparse block "tok": 3 indices but 2 values`},
		{func(d *Dataset) { d.Sparse[0].Value[2] = math.Inf(1) }, `sparse block "tok": entry 2 (index 1) is +Inf; sparse values must be finite`},
	}
	for _, c := range cases {
		d := ok()
		c.break_(d)
		err := d.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestTakeKeepsSparseRows(t *testing.T) {
	d := &Dataset{Rows: 3, Features: []Feature{{Name: "x", Values: []float64{10, 11, 12}}},
		Sparse: []SparseBlock{{Name: "s", Width: 5, RowPtr: []int{0, 1, 1, 3}, Index: []int32{4, 0, 2}, Value: []float64{1, 2, 3}}}}
	got := d.Take([]int{2, 0})
	if got.Rows != 2 || got.Features[0].Values[0] != 12 || got.Features[0].Values[1] != 10 {
		t.Fatalf("dense rows %v", got.Features[0].Values)
	}
	s := got.Sparse[0]
	if len(s.RowPtr) != 3 || s.RowPtr[1] != 2 || s.Index[0] != 0 || s.Index[1] != 2 || s.Index[2] != 4 || s.Value[2] != 1 {
		t.Fatalf("sparse %+v", s)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
}
