package gbdt

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

// synthetic returns a dataset with numeric columns (some with NaN) and a
// categorical column whose signal is per-category, plus 0/1 labels.
func synthetic(rows int, seed uint64) (*trainer.Dataset, []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	ds := &trainer.Dataset{Rows: rows}
	x0 := make([]float64, rows)
	x1 := make([]float64, rows)
	c2 := make([]float64, rows)
	x3 := make([]float64, rows)
	y := make([]float64, rows)
	catEffect := make([]float64, 40)
	for i := range catEffect {
		catEffect[i] = rng.NormFloat64()
	}
	for i := range rows {
		x0[i] = rng.NormFloat64()
		x1[i] = math.Round(rng.Float64()*100) / 10
		if rng.Float64() < 0.1 {
			x1[i] = math.NaN()
		}
		c2[i] = float64(rng.IntN(40))
		if rng.Float64() < 0.05 {
			c2[i] = math.NaN()
		}
		x3[i] = rng.ExpFloat64()
		z := 1.5*x0[i] - 0.8
		if x1[i] != x1[i] {
			z += 1
		} else if x1[i] > 5 {
			z -= 1
		}
		if c2[i] == c2[i] {
			z += catEffect[int(c2[i])]
		}
		if rng.Float64() < sigmoid(z) {
			y[i] = 1
		}
	}
	ds.Features = []trainer.Feature{
		{Name: "x0", Values: x0},
		{Name: "x1", Values: x1},
		{Name: "c2", Categorical: true, NumCategories: 40, Values: c2},
		{Name: "x3 with space", Values: x3},
	}
	return ds, y
}

// trainOn bins ds, trains on rows train and validates on rows valid.
func trainOn(t testing.TB, ds *trainer.Dataset, y []float64, p Params, train, valid []int) *Model {
	t.Helper()
	bd, err := NewBinnedDataset(context.Background(), ds, p.MaxBin)
	if err != nil {
		t.Fatal(err)
	}
	var v *Data
	if valid != nil {
		v = &Data{Binned: bd, Labels: y, Rows: valid}
	}
	m, err := Train(context.Background(), p, Data{Binned: bd, Labels: y, Rows: train}, v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// validationAgrees requires m.ValidationProba to equal PredictProba on
// the validation rows bit for bit.
func validationAgrees(t testing.TB, m *Model, ds *trainer.Dataset, valid []int) {
	t.Helper()
	got := m.ValidationProba()
	want, err := m.PredictProba(ds.Take(valid))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("ValidationProba has %d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("validation row %d: ValidationProba %v, PredictProba %v (%d trees)", i, got[i], want[i], m.NumTrees())
		}
	}
}

// leavesAgree writes m, loads it through leaves and returns the largest
// probability difference between leaves and m's own scoring on ds.
func leavesAgree(t testing.TB, m *Model, ds *trainer.Dataset) (float64, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := m.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	lm, err := LoadLeaves(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("leaves rejects our model: %v\n%s", err, buf.String())
	}
	if lm.NumTrees() != m.NumTrees() {
		t.Fatalf("leaves read %d trees, model has %d", lm.NumTrees(), m.NumTrees())
	}
	lp, err := lm.PredictProba(ds)
	if err != nil {
		t.Fatal(err)
	}
	own, err := m.PredictProba(ds)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range own {
		worst = math.Max(worst, math.Abs(own[i]-lp[i]))
		if math.IsNaN(own[i]) || math.IsNaN(lp[i]) {
			t.Fatalf("row %d: NaN probability (own %v, leaves %v)", i, own[i], lp[i])
		}
	}
	return worst, buf.Bytes()
}

func splitRows(n int) (train, valid []int) {
	for i := range n {
		if i%5 == 4 {
			valid = append(valid, i)
		} else {
			train = append(train, i)
		}
	}
	return train, valid
}

// categoricalStump trains one two-leaf tree with p (NumIterations and
// NumLeaves are set here) on synthetic rows' 40-category feature alone,
// beyond max_cat_to_onehot, and fails unless its one split is categorical.
func categoricalStump(t testing.TB, p Params) (*tree, *BinnedDataset, []float64) {
	t.Helper()
	ds, y := synthetic(30000, 23)
	ds.Features = ds.Features[2:3]
	p.NumIterations, p.NumLeaves = 1, 2
	bd, err := NewBinnedDataset(context.Background(), ds, p.MaxBin)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(context.Background(), p, Data{Binned: bd, Labels: y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := m.trees[0]
	if tr.numLeaves != 2 || tr.decisionType[0]&dtCategorical == 0 {
		t.Fatalf("use_quantized_grad=%v: want one categorical split, got %d leaves", p.UseQuantizedGrad, tr.numLeaves)
	}
	return tr, bd, y
}
