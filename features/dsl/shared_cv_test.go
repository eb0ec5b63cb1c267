//go:build bench

package dsl

import (
	"context"
	"fmt"
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
	"golang.org/x/sync/errgroup"
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

// searchGBDT is the search's warm start (experiment/space.go: gbdtDefaults
// and fixedGBDT — LightGBM's defaults, at most 1000 trees, early stopping
// after 30 rounds on binary_logloss of the fold's validation part), copied
// here because experiment imports this package.
func searchGBDT(t testing.TB) gbdt.Params {
	t.Helper()
	p, err := gbdt.ParseParams(map[string]string{"learning_rate": "0.1", "num_leaves": "31", "min_data_in_leaf": "20",
		"min_sum_hessian_in_leaf": "0.001", "lambda_l2": "0", "feature_fraction": "1", "bagging_fraction": "1", "cat_smooth": "10",
		"num_iterations": "1000", "early_stopping_round": "30", "bagging_freq": "1", "seed": "1", "num_threads": "1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// foldAUC fits the spec's pipeline on the training rows, applies it to the
// validation rows and returns the validation AUC of a GBDT with params prm.
// It runs on worker goroutines, so it returns errors rather than failing t.
func foldAUC(fr *features.Frame, y []float64, target, src string, f split.Fold, seed uint64, prm gbdt.Params) (float64, error) {
	ctx := context.Background()
	spec, err := Parse(src)
	if err != nil {
		return 0, err
	}
	ytr, yva := takeY(y, f.Train), takeY(y, f.Valid)
	p, trOut, err := Fit(ctx, spec, fr.Take(f.Train), ytr, FitOptions{Target: target, Seed: seed, Threads: 1})
	if err != nil {
		return 0, err
	}
	vaOut, err := p.Apply(ctx, fr.Take(f.Valid))
	if err != nil {
		return 0, err
	}
	dtr, dva := toDataset(trOut), toDataset(vaOut)
	btr, err := gbdt.NewBinnedDataset(ctx, dtr, prm.MaxBin)
	if err != nil {
		return 0, err
	}
	bva, err := btr.Bin(ctx, dva)
	if err != nil {
		return 0, err
	}
	m, err := gbdt.Train(ctx, prm, gbdt.Data{Binned: btr, Labels: ytr}, &gbdt.Data{Binned: bva, Labels: yva})
	if err != nil {
		return 0, err
	}
	score, err := m.PredictProba(dva)
	if err != nil {
		return 0, err
	}
	return metrics.ROCAUC(yva, score, nil)
}

// pairedCV is repeated stratified K-fold CV with every spec scored on the
// same folds: auc[s][r*k+j] is spec s on fold j of repeat r (folds drawn
// with seed seeds[r]). Two folds run at a time.
func pairedCV(t testing.TB, fr *features.Frame, y []float64, target string, specs []string, seeds []uint64, k int) [][]float64 {
	t.Helper()
	prm := searchGBDT(t)
	aucs := make([][]float64, len(specs))
	for s := range aucs {
		aucs[s] = make([]float64, len(seeds)*k)
	}
	var g errgroup.Group
	g.SetLimit(2)
	for r, seed := range seeds {
		folds, err := split.StratifiedKFold(y, k, seed)
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range folds {
			for s, src := range specs {
				g.Go(func() error {
					a, err := foldAUC(fr, y, target, src, f, seed*100+uint64(j), prm)
					if err != nil {
						return fmt.Errorf("spec %d, repeat %d (seed %d), fold %d: %w", s, r, seed, j+1, err)
					}
					aucs[s][r*k+j] = a
					return nil
				})
			}
		}
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return aucs
}

// pairedDiff summarises spec b against spec a over repeated K-fold CV (n
// fold pairs in all): the mean AUC of b, the mean paired difference b − a,
// its standard error as the search computes it for its paired test
// (experiment/compare.go: sd of the fold differences / √n), and the
// Nadeau–Bengio corrected standard error sd·√(1/n + 1/(K−1)), which allows
// for the folds sharing training rows (Nadeau & Bengio 2003, "Inference for
// the generalization error"; Bouckaert & Frank 2004 for repeated CV).
func pairedDiff(a, b []float64, k int) (meanB, diff, se, seNB float64) {
	n := float64(len(a))
	for i := range a {
		meanB += b[i] / n
		diff += (b[i] - a[i]) / n
	}
	var ss float64
	for i := range a {
		d := b[i] - a[i] - diff
		ss += d * d
	}
	sd := math.Sqrt(ss / (n - 1))
	return meanB, diff, sd / math.Sqrt(n), sd * math.Sqrt(1/n+1/float64(k-1))
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
