package gbdt_test

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
)

// Train on the first 80 rows of a tiny table, early-stop on the rest, write
// the LightGBM text model and read it back through leaves.
func Example() {
	ds := &trainer.Dataset{Rows: 100, Features: []trainer.Feature{
		{Name: "amount", Values: make([]float64, 100)},
		{Name: "country", Categorical: true, NumCategories: 3, Values: make([]float64, 100)},
	}}
	y := make([]float64, 100)
	for i := range 100 {
		ds.Features[0].Values[i] = float64(i % 17)
		ds.Features[1].Values[i] = float64(i % 3)
		if i%17 > 11 || i%3 == 2 && i%2 == 0 {
			y[i] = 1
		}
	}
	ctx := context.Background()
	params, err := gbdt.ParseParams(map[string]string{
		"num_iterations": "50", "min_data_in_leaf": "5", "min_data_per_group": "5",
		"early_stopping_round": "5",
	})
	if err != nil {
		panic(err)
	}
	binned, err := gbdt.NewBinnedDataset(ctx, ds, params.MaxBin)
	if err != nil {
		panic(err)
	}
	var train, valid []int
	for i := range 100 {
		if i < 80 {
			train = append(train, i)
		} else {
			valid = append(valid, i)
		}
	}
	model, err := gbdt.Train(ctx, params,
		gbdt.Data{Binned: binned, Labels: y, Rows: train},
		&gbdt.Data{Binned: binned, Labels: y, Rows: valid})
	if err != nil {
		panic(err)
	}
	var file bytes.Buffer
	if err := model.WriteText(&file); err != nil {
		panic(err)
	}
	loaded, err := gbdt.LoadLeaves(&file)
	if err != nil {
		panic(err)
	}
	own, _ := model.PredictProba(ds)
	viaLeaves, _ := loaded.PredictProba(ds)
	worst := 0.0
	for i := range own {
		worst = math.Max(worst, math.Abs(own[i]-viaLeaves[i]))
	}
	fmt.Println("trees kept = best iteration:", model.NumTrees() == model.BestIteration())
	fmt.Println("leaves agrees:", worst <= 1e-12)
	// Output:
	// trees kept = best iteration: true
	// leaves agrees: true
}
