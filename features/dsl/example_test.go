package dsl_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
)

func ExampleParse() {
	spec, err := dsl.Parse("count(merchant)\nspend = log1p( amount )  # dollars")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(spec.Canonical())
	_, err = dsl.Parse("log1q(amount)")
	fmt.Println(err)
	// Output:
	// count(merchant); spend = log1p(amount)
	// features spec 1:1: unknown op "log1q" — did you mean "log1p"?
}

func ExampleFit() {
	train := &features.Frame{Rows: 4, Columns: []*features.Column{
		{Name: "amount", Kind: features.Numeric, Num: []float64{10, 200, 15, 3000}},
		{Name: "merchant", Kind: features.Categorical, Codes: []int32{0, 1, 0, 1}, Levels: []string{"shop", "casino"}, Counts: []int{2, 2}},
	}}
	y := []float64{0, 1, 0, 1}
	spec := dsl.MustParse("log_amount = log1p(amount); n = count(merchant); drop(merchant)")
	p, out, err := dsl.Fit(context.Background(), spec, train, y, dsl.FitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range out.Columns {
		fmt.Printf("%s %.3g\n", c.Name, c.Num)
	}
	// The fitted pipeline serialises; a new merchant counts 0.
	data, _ := json.Marshal(p)
	var q dsl.Pipeline
	if err := json.Unmarshal(data, &q); err != nil {
		fmt.Println(err)
		return
	}
	test := &features.Frame{Rows: 1, Columns: []*features.Column{
		{Name: "amount", Kind: features.Numeric, Num: []float64{50}},
		{Name: "merchant", Kind: features.Categorical, Codes: []int32{0}, Levels: []string{"bakery"}, Counts: []int{1}},
	}}
	got, _ := q.Apply(context.Background(), test)
	fmt.Println(got.Col("n").Num)
	// Output:
	// amount [10 200 15 3e+03]
	// log_amount [2.4 5.3 2.77 8.01]
	// n [2 2 2 2]
	// [0]
}
