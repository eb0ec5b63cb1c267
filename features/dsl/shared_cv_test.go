//go:build bench

package dsl

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
	"github.com/nightshift-ml/nightshift/trainer/linear"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
	"github.com/nightshift-ml/nightshift/trainer/split"
)

// toDataset is the Output → trainer.Dataset conversion the experiment does.
func toDataset(o *Output) *trainer.Dataset {
	ds := &trainer.Dataset{Rows: o.Rows}
	for _, c := range o.Columns {
		if c.Kind == features.Categorical {
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: CodesAsFloat(c)})
		} else {
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		}
	}
	for _, s := range o.Sparse {
		ds.Sparse = append(ds.Sparse, trainer.SparseBlock{Name: s.Name, Width: s.Width, RowPtr: s.RowPtr, Index: s.Index, Value: s.Value})
	}
	return ds
}

// cvModelAUC is the mean validation AUC over stratified folds of a model
// trained on the spec's output, the pipeline fitted on each fold's training
// rows only. model is "gbdt" or "logreg". It returns 0.5 when the spec
// leaves no usable column.
func cvModelAUC(t *testing.T, fr *features.Frame, y []float64, target, src, model string) float64 {
	m, _ := cvModelAUCStd(t, fr, y, target, src, model)
	return m
}

// cvModelAUCStd also returns the standard deviation of the fold AUCs.
func cvModelAUCStd(t *testing.T, fr *features.Frame, y []float64, target, src, model string) (float64, float64) {
	t.Helper()
	ctx := context.Background()
	folds, err := split.StratifiedKFold(y, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	var aucs []float64
	for k, f := range folds {
		spec := MustParse(src)
		ytr, yva := takeY(y, f.Train), takeY(y, f.Valid)
		p, trOut, err := Fit(ctx, spec, fr.Take(f.Train), ytr, FitOptions{Target: target, Seed: uint64(k)})
		if err != nil {
			t.Fatal(err)
		}
		vaOut, err := p.Apply(ctx, fr.Take(f.Valid))
		if err != nil {
			t.Fatal(err)
		}
		dtr, dva := toDataset(trOut), toDataset(vaOut)
		if len(dtr.Features) == 0 && (model == "gbdt" || len(dtr.Sparse) == 0) {
			return 0.5, 0
		}
		var score []float64
		switch model {
		case "gbdt":
			prm := gbdt.DefaultParams()
			prm.NumIterations, prm.LearningRate, prm.EarlyStoppingRound, prm.Metric, prm.Seed = 400, 0.05, 40, "auc", 1
			btr, err := gbdt.NewBinnedDataset(ctx, dtr, prm.MaxBin)
			if err != nil {
				t.Fatal(err)
			}
			bva, err := btr.Bin(ctx, dva)
			if err != nil {
				t.Fatal(err)
			}
			m, err := gbdt.Train(ctx, prm, gbdt.Data{Binned: btr, Labels: ytr}, &gbdt.Data{Binned: bva, Labels: yva})
			if err != nil {
				t.Fatal(err)
			}
			if score, err = m.PredictProba(dva); err != nil {
				t.Fatal(err)
			}
		case "logreg":
			prm := linear.DefaultParams()
			prm.Tol, prm.MaxIter = 1e-5, 300
			m, err := linear.Fit(ctx, dtr, ytr, prm)
			if err != nil {
				t.Fatal(err)
			}
			if score, err = m.PredictProba(dva); err != nil {
				t.Fatal(err)
			}
		}
		a, err := metrics.ROCAUC(yva, score, nil)
		if err != nil {
			t.Fatal(err)
		}
		aucs = append(aucs, a)
	}
	var mean, ss float64
	for _, a := range aucs {
		mean += a / float64(len(aucs))
	}
	for _, a := range aucs {
		ss += (a - mean) * (a - mean)
	}
	return mean, math.Sqrt(ss / float64(len(aucs)-1))
}

// TestSharedFeatureSetsBeatRawColumns compares 5-fold CV AUC of GBDT (and,
// for text, logistic regression on the hashed tokens) on raw columns and on
// the hand-written feature sets of sharedSpecs. Text sets must win by a wide
// margin (raw text is no feature); on the tabular sets the GBDT already
// handles raw categoricals, so a feature set must not lose by more than one
// fold standard deviation. Run:
//
//	go test -tags bench -run TestSharedFeatureSetsBeatRawColumns -v ./features/dsl
func TestSharedFeatureSetsBeatRawColumns(t *testing.T) {
	raw := map[string]string{"fraud/vehicle_claims.csv": "drop(PolicyNumber)"}
	for _, s := range sharedSpecs[:5] {
		t.Run(filepath.Base(s.file), func(t *testing.T) {
			fr, y := loadShared(t, s.file, s.target)
			rawAUC, rawSD := cvModelAUCStd(t, fr, y, s.target, raw[s.file], "gbdt")
			featAUC, featSD := cvModelAUCStd(t, fr, y, s.target, s.spec, "gbdt")
			t.Logf("%s GBDT 5-fold CV AUC: raw columns %.4f ± %.4f, feature set %.4f ± %.4f (%+.4f)", s.file, rawAUC, rawSD, featAUC, featSD, featAUC-rawAUC)
			if strings.HasPrefix(s.file, "spam/") {
				lr, lrSD := cvModelAUCStd(t, fr, y, s.target, s.spec, "logreg")
				t.Logf("%s logistic regression on text stats + hashed tokens: CV AUC %.4f ± %.4f", s.file, lr, lrSD)
				if featAUC < rawAUC+0.3 || lr < rawAUC+0.3 {
					t.Errorf("text features: GBDT %.4f, logreg %.4f, want far above raw %.4f", featAUC, lr, rawAUC)
				}
				return
			}
			if featAUC < rawAUC-rawSD {
				t.Errorf("the feature set loses to raw columns: %.4f < %.4f - %.4f", featAUC, rawAUC, rawSD)
			}
		})
	}
}
