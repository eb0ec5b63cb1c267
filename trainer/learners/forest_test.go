package learners

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
)

// forestAndLeaves trains a GBDT on the criteo sample and reads its text
// both ways.
func forestAndLeaves(t testing.TB, ds *trainer.Dataset, y []float64, params map[string]string) (*forest, *gbdt.LeavesModel) {
	l, _ := Lookup(GBDT)
	fit, err := l.Fit(context.Background(), trainer.FitInput{Params: params, Seed: 5, Threads: 1, Train: trainer.Part{Data: ds, Labels: y}})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := l.Save(&text, fit.Model); err != nil {
		t.Fatal(err)
	}
	lm, err := gbdt.LoadLeaves(bytes.NewReader(text.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseForest(text.String())
	if err != nil {
		t.Fatal(err)
	}
	return f, lm
}

// TestForestEqualsLeavesBitForBit: on the criteo sample (numeric columns
// with missing values, categorical splits) and on the same rows with
// values no training row had — NaN everywhere, negative, fractional and
// huge category codes, ±Inf, zeros — the forest's probabilities are
// leaves' to the last bit.
func TestForestEqualsLeavesBitForBit(t *testing.T) {
	ds, y := criteo(t)
	odd := &trainer.Dataset{Rows: ds.Rows}
	for j, f := range ds.Features {
		v := append([]float64(nil), f.Values...)
		for r := range v {
			switch (r + j) % 9 {
			case 0:
				v[r] = math.NaN()
			case 1:
				v[r] = -3
			case 2:
				v[r] = 0
			case 3:
				v[r] = 1e12
			case 4:
				v[r] = math.Inf(-1)
			case 5:
				v[r] = 2.5
			}
		}
		odd.Features = append(odd.Features, trainer.Feature{Name: f.Name, Categorical: f.Categorical, NumCategories: f.NumCategories, Values: v})
	}
	for _, params := range []map[string]string{
		{"num_iterations": "30", "min_data_in_leaf": "3"},
		{"num_iterations": "60", "num_leaves": "7", "min_data_in_leaf": "2", "max_cat_to_onehot": "8", "cat_smooth": "1", "min_data_per_group": "2"},
		{"num_iterations": "1", "num_leaves": "2", "min_data_in_leaf": "90"}, // stumps and single leaves
	} {
		f, lm := forestAndLeaves(t, ds, y, params)
		cat, missing := 0, 0
		for _, tr := range f.trees {
			for _, fl := range tr.flags {
				if fl&flagCategorical != 0 {
					cat++
				}
				if fl&(flagMissingNaN|flagMissingZero) != 0 {
					missing++
				}
			}
		}
		if params["num_iterations"] != "1" && (cat == 0 || missing == 0) {
			t.Errorf("%v: %d categorical and %d missing-aware splits: the test does not reach them", params, cat, missing)
		}
		for name, d := range map[string]*trainer.Dataset{"rows": ds, "odd values": odd} {
			want, err := lm.PredictProba(d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.PredictProba(d)
			if err != nil {
				t.Fatal(err)
			}
			for r := range want {
				if got[r] != want[r] {
					t.Fatalf("%v, %s, row %d: forest %v, leaves %v", params, name, r, got[r], want[r])
				}
			}
		}
	}
}

// BenchmarkScore compares the forest with leaves on the criteo sample
// repeated to 20,480 rows, 200 trees.
func BenchmarkScore(b *testing.B) {
	ds, y := criteo(b)
	f, lm := forestAndLeaves(b, ds, y, map[string]string{"num_iterations": "200", "min_data_in_leaf": "3"})
	big := &trainer.Dataset{Rows: ds.Rows * 100}
	for _, c := range ds.Features {
		v := make([]float64, 0, big.Rows)
		for range 100 {
			v = append(v, c.Values...)
		}
		big.Features = append(big.Features, trainer.Feature{Name: c.Name, Categorical: c.Categorical, NumCategories: c.NumCategories, Values: v})
	}
	b.Run("forest", func(b *testing.B) {
		for range b.N {
			f.PredictProba(big)
		}
	})
	b.Run("leaves", func(b *testing.B) {
		for range b.N {
			lm.PredictProba(big)
		}
	})
}
