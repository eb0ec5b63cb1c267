package gbdt

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

// TestSortFloatsMatchesSlicesSort: the radix sort gives slices.Sort's
// order on values of every sign and size, ties and infinities included.
func TestSortFloatsMatchesSlicesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 5, 1023, 1024, 5000, 200000} {
		s := make([]float64, n)
		for i := range s {
			switch i % 7 {
			case 0:
				s[i] = rng.NormFloat64()
			case 1:
				s[i] = math.Round(rng.NormFloat64() * 3) // ties, zeros
			case 2:
				s[i] = rng.ExpFloat64() * 1e300
			case 3:
				s[i] = -rng.ExpFloat64() * 1e-300
			case 4:
				s[i] = float64(rng.IntN(24))
			case 5:
				s[i] = math.Inf(1 - 2*rng.IntN(2))
			default:
				s[i] = math.Copysign(0, -1)
			}
		}
		want := slices.Clone(s)
		slices.Sort(want)
		sortFloats(s)
		for i := range s {
			if s[i] != want[i] {
				t.Fatalf("n=%d: position %d is %v, slices.Sort gives %v", n, i, s[i], want[i])
			}
		}
	}
}

// TestBinColumnMatchesOneValueAtATime: binning four values at a time
// (numericBin4) gives numericBin's bin for every value: bounds themselves,
// values between and beyond them, infinities, signed zeros, NaN among
// them (whose groups of four go one at a time), with and without a NaN bin,
// for columns of few and many bins and lengths not a multiple of four.
func TestBinColumnMatchesOneValueAtATime(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, distinct := range []int{1, 3, 40, 5000} {
		for _, withNaN := range []bool{false, true} {
			train := make([]float64, 20000)
			for i := range train {
				train[i] = float64(rng.IntN(distinct)) * 0.37
				if withNaN && i%50 == 0 {
					train[i] = math.NaN()
				}
			}
			m := newNumericMapper(train, nil, 255, &binScratch{})
			vals := make([]float64, 0, 10003)
			for _, u := range m.upper {
				vals = append(vals, u, math.Nextafter(u, math.Inf(1)), math.Nextafter(u, math.Inf(-1)))
			}
			for len(vals) < cap(vals) {
				switch rng.IntN(6) {
				case 0:
					vals = append(vals, math.NaN())
				case 1:
					vals = append(vals, math.Inf(1-2*rng.IntN(2)))
				case 2:
					vals = append(vals, math.Copysign(0, -1))
				default:
					vals = append(vals, rng.NormFloat64()*float64(distinct))
				}
			}
			col := binColumn(&m, vals)
			for i, v := range vals {
				if want := m.numericBin(v); col[i] != want {
					t.Fatalf("distinct %d, NaN bin %v: value %v binned to %d, numericBin gives %d", distinct, withNaN, v, col[i], want)
				}
			}
		}
	}
}

// TestBinnerGivesNewBinnedDatasetsBins: features added to a Binner one and
// three at a time give the bins, mappers and names of NewBinnedDataset on
// the whole design, on shared data with categorical
// columns and on creditcard_10k stacked 21 times, past the 200,000 rows
// from which numeric bounds come from a sample of the rows.
func TestBinnerGivesNewBinnedDatasetsBins(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		set   sharedSet
		times int
	}{
		{sharedSets[1], 1}, // vehicle_claims: categorical columns, NaN
		{sharedSets[2], 1}, // criteo_5k: wide categorical columns
		{sharedSets[0], 21},
	} {
		t.Run(filepath.Base(c.set.file), func(t *testing.T) {
			one, _ := loadShared(t, c.set)
			ds := &trainer.Dataset{Rows: one.Rows * c.times}
			for _, f := range one.Features {
				f.Values = slices.Repeat(f.Values, c.times)
				ds.Features = append(ds.Features, f)
			}
			want, err := NewBinnedDataset(ctx, ds, 255)
			if err != nil {
				t.Fatal(err)
			}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
			bn, err := NewBinner(ds.Rows, 255)
			if err != nil {
				t.Fatal(err)
			}
			// one feature (binned in two chunks of rows), then groups of
			// three (three features at a time)
			fs := ds.Features
			for k := 0; k < len(fs); k += 1 + 2*min(k, 1) {
				if err := bn.Add(ctx, fs[k:min(k+1+2*min(k, 1), len(fs))]...); err != nil {
					t.Fatal(err)
				}
			}
			got, err := bn.Dataset()
			if err != nil {
				t.Fatal(err)
			}
			if got.rows != want.rows || !slices.Equal(got.names, want.names) || !reflect.DeepEqual(got.mappers, want.mappers) {
				t.Fatalf("rows, names or bin mappers differ from NewBinnedDataset's")
			}
			for j := range want.cols {
				if !slices.Equal(got.cols[j], want.cols[j]) {
					t.Fatalf("feature %q: bins differ from NewBinnedDataset's", want.names[j])
				}
			}
			if err := bn.Add(ctx, ds.Features[0]); err == nil {
				t.Fatalf("Add after Dataset: no error")
			}
		})
	}
}

// TestBinnerNamesTheBadFeature: a feature of the wrong length or with a
// code outside its categories is refused with its name, and a Binner
// given no feature has no dataset.
func TestBinnerNamesTheBadFeature(t *testing.T) {
	ctx := context.Background()
	bn, err := NewBinner(3, 255)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []trainer.Feature{
		{Name: "short", Values: []float64{1, 2}},
		{Name: "code", Categorical: true, NumCategories: 2, Values: []float64{0, 1, 2}},
	} {
		if err := bn.Add(ctx, f); err == nil || !strings.Contains(err.Error(), f.Name) {
			t.Errorf("feature %q: error %v, want one naming it", f.Name, err)
		}
	}
	if _, err := bn.Dataset(); err == nil {
		t.Errorf("a Binner with no feature gave a dataset")
	}
	if _, err := NewBinner(10, 256); err == nil || !strings.Contains(err.Error(), "max_bin") {
		t.Errorf("max_bin 256: error %v, want one naming max_bin", err)
	}
}
