package gbdt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

// fuzzCase derives a small dataset and parameters from fuzz input.
func fuzzCase(seed uint64, rows, nfeat, leaves, minData uint8, lr float64, flags uint8) (*trainer.Dataset, []float64, Params) {
	rng := rand.New(rand.NewPCG(seed, uint64(flags)))
	n := int(rows)%300 + 1
	nf := int(nfeat)%5 + 1
	ds := &trainer.Dataset{Rows: n}
	y := make([]float64, n)
	for j := range nf {
		f := trainer.Feature{Name: "f" + string(rune('a'+j)), Values: make([]float64, n)}
		kind := rng.IntN(4)
		f.Categorical = kind == 3
		levels := 1 + rng.IntN(70)
		if f.Categorical {
			f.NumCategories = levels
		}
		nanRate := []float64{0, 0.02, 0.3, 1}[rng.IntN(4)]
		for i := range f.Values {
			switch {
			case rng.Float64() < nanRate:
				f.Values[i] = math.NaN()
			case f.Categorical:
				f.Values[i] = float64(rng.IntN(levels))
			case kind == 0:
				f.Values[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
			case kind == 1:
				f.Values[i] = float64(rng.IntN(levels)) - 3
			default:
				f.Values[i] = []float64{0, math.Copysign(0, -1), 1e-300, -1e300, 5e-324, 1}[rng.IntN(6)]
			}
		}
		ds.Features = append(ds.Features, f)
	}
	for i := range y {
		z := 0.0
		for _, f := range ds.Features {
			if v := f.Values[i]; v == v {
				z += math.Sin(v)
			}
		}
		if rng.Float64() < sigmoid(2*z) {
			y[i] = 1
		}
	}
	p := DefaultParams()
	p.NumIterations = 1 + int(flags)%20
	p.NumLeaves = 2 + int(leaves)%12
	p.MinDataInLeaf = int(minData) % 8
	p.MinSumHessianInLeaf = []float64{0, 1e-3, 0.5}[int(minData)%3]
	p.MinDataPerGroup = 1 + int(minData)%5
	p.CatSmooth = float64(int(leaves) % 4)
	p.CatL2 = float64(int(flags) % 3)
	p.MaxCatToOnehot = 1 + int(leaves)%6
	p.MaxCatThreshold = 1 + int(flags)%8
	if lr > 0 && lr < 10 && !math.IsNaN(lr) {
		p.LearningRate = lr
	}
	if flags&1 != 0 {
		p.BaggingFraction, p.BaggingFreq = 0.6, 1
	}
	if flags&2 != 0 {
		p.FeatureFraction = 0.5
	}
	if flags&4 != 0 {
		p.LambdaL1, p.LambdaL2 = 0.5, 2
	}
	if flags&8 != 0 {
		p.MaxDepth = 2
	}
	if flags&16 != 0 {
		p.MaxBin = 2 + int(leaves)%20
	}
	if flags&32 != 0 {
		p.IsUnbalance = true
	}
	p.NumThreads = 1 + int(flags>>6)%3
	return ds, y, p
}

// FuzzTrainMatchesLeaves trains on random small datasets and parameters:
// training must never panic, fail only for a single-class training set, and
// leaves must read the model and agree with our scoring to 1e-12.
func FuzzTrainMatchesLeaves(f *testing.F) {
	f.Add(uint64(1), uint8(200), uint8(3), uint8(6), uint8(5), 0.1, uint8(0))
	f.Add(uint64(2), uint8(40), uint8(4), uint8(2), uint8(0), 0.5, uint8(255))
	f.Add(uint64(3), uint8(7), uint8(0), uint8(11), uint8(1), 1.0, uint8(21))
	f.Fuzz(func(t *testing.T, seed uint64, rows, nfeat, leaves, minData uint8, lr float64, flags uint8) {
		ds, y, p := fuzzCase(seed, rows, nfeat, leaves, minData, lr, flags)
		ctx := context.Background()
		bd, err := NewBinnedDataset(ctx, ds, p.MaxBin)
		if err != nil {
			t.Fatal(err)
		}
		train, valid := splitRows(ds.Rows)
		var v *Data
		if len(valid) > 0 {
			v = &Data{Binned: bd, Labels: y, Rows: valid}
		}
		m, err := Train(ctx, p, Data{Binned: bd, Labels: y, Rows: train}, v)
		if err != nil {
			if errors.Is(err, ErrSingleClass) {
				return
			}
			t.Fatalf("params %+v: %v", p, err)
		}
		worst, text := leavesAgree(t, m, ds)
		if worst > 1e-12 {
			t.Fatalf("leaves differs from own scoring by %g\n%s", worst, text)
		}
		var again bytes.Buffer
		m2, err := Train(ctx, p, Data{Binned: bd, Labels: y, Rows: train}, v)
		if err != nil {
			t.Fatal(err)
		}
		if err := m2.WriteText(&again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(text, again.Bytes()) {
			t.Fatal("same data and parameters gave a different model file")
		}
	})
}

// FuzzLoadLeaves feeds mutated model files to the loader: it must return
// an error or a model, never panic, and predicting with a loaded model must
// not panic either.
func FuzzLoadLeaves(f *testing.F) {
	ds, good := smallModelText(f)
	buf := bytes.NewBuffer(good)
	f.Add(buf.Bytes())
	f.Add(bytes.Replace(buf.Bytes(), []byte("num_cat=1"), []byte("num_cat=0"), 1))
	f.Add(bytes.Replace(buf.Bytes(), []byte("split_feature=2"), []byte("split_feature=9"), 1))
	f.Add(buf.Bytes()[:len(buf.Bytes())/2])
	f.Add([]byte("tree\nversion=v3\nmax_feature_idx=2\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lm, err := LoadLeaves(bytes.NewReader(data))
		if err != nil {
			return
		}
		if lm.NumFeatures() == len(ds.Features) {
			_, _ = lm.PredictProba(ds)
		}
	})
}

func TestLoadLeavesRejectsInvalidFiles(t *testing.T) {
	ds, good := smallModelText(t)
	cases := map[string][]byte{
		"empty":       nil,
		"version v4":  bytes.Replace(good, []byte("version=v3"), []byte("version=v4"), 1),
		"no header":   []byte("hello\nworld\n"),
		"cut in tree": good[:bytes.Index(good, []byte("leaf_value"))],
		"bad feature": bytes.Replace(good, []byte("max_feature_idx="), []byte("max_feature_idx=x"), 1),
	}
	for name, data := range cases {
		if _, err := LoadLeaves(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
	lm, err := LoadLeaves(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	short := &trainer.Dataset{Rows: ds.Rows, Features: ds.Features[:2]}
	if _, err := lm.PredictProba(short); err == nil {
		t.Error("predicting with too few features gave no error")
	}
}

// smallModelText trains a small model with categorical splits and returns
// its data and model file.
func smallModelText(t testing.TB) (*trainer.Dataset, []byte) {
	ds, y, p := fuzzCase(5, 120, 3, 4, 2, 0.3, 3)
	m := trainOn(t, ds, y, p, nil, nil)
	var buf bytes.Buffer
	if err := m.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	return ds, buf.Bytes()
}
