package learners

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
)

// criteo loads the shipped criteo_200 sample as a design: numeric columns
// as they are, categorical columns as codes (missing as NaN).
func criteo(t testing.TB) (*trainer.Dataset, []float64) {
	t.Helper()
	fr, err := features.LoadFile("../../testdata/data/criteo_200.csv", features.LoadOptions{Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	ds := &trainer.Dataset{Rows: fr.Rows}
	var y []float64
	for _, c := range fr.Columns {
		switch {
		case c.Name == "label":
			y = make([]float64, fr.Rows)
			for i, code := range c.Codes {
				if c.Levels[code] == "1" {
					y[i] = 1
				}
			}
		case c.Kind == features.Numeric:
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		case c.Kind == features.Categorical:
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: dsl.CodesAsFloat(c)})
		}
	}
	return ds, y
}

// TestEveryKindFitsSavesAndLoadsWithTheSameScores fits each kind on the
// first 150 rows, early-stopping on the rest, and requires the saved and
// reloaded model (GBDT: LightGBM text through leaves) to score every row
// as the trained model does, to 1e-12; saving the loaded model again gives
// the same bytes.
func TestEveryKindFitsSavesAndLoadsWithTheSameScores(t *testing.T) {
	ds, y := criteo(t)
	train, valid := make([]int, 0, 150), make([]int, 0, ds.Rows-150)
	for i := range ds.Rows {
		if i < 150 {
			train = append(train, i)
		} else {
			valid = append(valid, i)
		}
	}
	params := map[string]map[string]string{
		GBDT:   {"num_iterations": "40", "num_leaves": "7", "min_data_in_leaf": "5", "early_stopping_round": "10"},
		Logreg: {"C": "0.5"},
	}
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			l, err := Lookup(kind)
			if err != nil {
				t.Fatal(err)
			}
			if l.Kind() != kind {
				t.Fatalf("Lookup(%q).Kind() = %q", kind, l.Kind())
			}
			var memo trainer.Memo
			fit, err := l.Fit(context.Background(), trainer.FitInput{
				Params: params[kind], Seed: 7, Threads: 1,
				Train: trainer.Part{Data: ds, Labels: y, Rows: train, Memo: &memo},
				Valid: &trainer.Part{Data: ds, Labels: y, Rows: valid, Memo: &memo},
			})
			if err != nil {
				t.Fatal(err)
			}
			_, iterative := l.(trainer.Iterative)
			if iterative != (fit.BestIteration > 0) {
				t.Errorf("iterative %v but best iteration %d", iterative, fit.BestIteration)
			}
			want, err := fit.Model.PredictProba(ds)
			if err != nil {
				t.Fatal(err)
			}
			var file bytes.Buffer
			if err := l.Save(&file, fit.Model); err != nil {
				t.Fatal(err)
			}
			loaded, err := l.Load(bytes.NewReader(file.Bytes()))
			if err != nil {
				t.Fatalf("load %s: %v", l.FileName(), err)
			}
			got, err := loaded.PredictProba(ds)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12 {
					t.Fatalf("row %d: loaded %v, trained %v", i, got[i], want[i])
				}
			}
			var again bytes.Buffer
			if err := l.Save(&again, loaded); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), file.Bytes()) {
				t.Errorf("saving the loaded model changed its %s", l.FileName())
			}
		})
	}
}

// TestGBDTFixedIterationsTrainsExactlyN: a refit trains the number of
// trees it is given, early stopping off.
func TestGBDTFixedIterationsTrainsExactlyN(t *testing.T) {
	ds, y := criteo(t)
	l, _ := Lookup(GBDT)
	it := l.(trainer.Iterative)
	kv := it.FixedIterations(map[string]string{"num_iterations": "100", "early_stopping_round": "5"}, 12)
	var memo trainer.Memo
	fit, err := l.Fit(context.Background(), trainer.FitInput{Params: kv, Threads: 1, Train: trainer.Part{Data: ds, Labels: y, Memo: &memo}})
	if err != nil {
		t.Fatal(err)
	}
	if n := fit.Model.(interface{ NumTrees() int }).NumTrees(); n != 12 {
		t.Errorf("%d trees, want 12", n)
	}
	if kv["early_stopping_round"] != "0" {
		t.Errorf("early stopping %q, want off", kv["early_stopping_round"])
	}
}

func TestLookupAndParamsNameTheFault(t *testing.T) {
	if _, err := Lookup("svm"); err == nil || !strings.Contains(err.Error(), `model "svm": want gbdt or logreg`) {
		t.Errorf("Lookup(svm): %v", err)
	}
	cases := []struct{ kind, key, val, want string }{
		{GBDT, "num_leaves", "x", "num_leaves"},
		{GBDT, "bogus", "1", `unknown parameter "bogus"`},
		{Logreg, "C", "-1", "C=-1"},
		{Logreg, "bogus", "1", `unknown logreg parameter "bogus"`},
	}
	for _, c := range cases {
		l, _ := Lookup(c.kind)
		err := l.CheckParams(map[string]string{c.key: c.val})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s=%s: %v, want %q", c.kind, c.key, c.val, err, c.want)
		}
	}
}

func TestUsableByKind(t *testing.T) {
	sparseOnly := &trainer.Dataset{Rows: 1, Sparse: []trainer.SparseBlock{{Name: "tok", Width: 2, RowPtr: []int{0, 1}, Index: []int32{0}, Value: []float64{1}}}}
	for kind, want := range map[string]bool{GBDT: false, Logreg: true} {
		l, _ := Lookup(kind)
		if got := l.Usable(sparseOnly); got != want {
			t.Errorf("%s.Usable(sparse only) = %v, want %v", kind, got, want)
		}
	}
}
