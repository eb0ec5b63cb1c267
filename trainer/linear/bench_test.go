package linear

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer/split"
)

// BenchmarkFitCreditcard times Fit (preprocessing included, as the peers'
// pipeline fit includes imputation and scaling) on creditcard_10k's peer
// split (row i is test when i % 5 == 4), to put beside
//
//	/usr/bin/python3 ../shared/bench/peers/fit_peer.py ../shared/data/fraud/creditcard_10k.csv sklearn-logreg --target Class
//
// which fits LogisticRegression(C=1, lbfgs, tol=1e-4). Our tol has the scale
// of sklearn 1.2's lbfgs gtol, but sklearn stops earlier on scipy's ftol, at a
// gradient of 3.7e-7 on this data, so "tol=1e-6" is the like-for-like row;
// "default" is our tol 1e-8. The test AUC is reported beside the time.
func BenchmarkFitCreditcard(b *testing.B) {
	path := filepath.Join(sharedData, "fraud", "creditcard_10k.csv")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("shared data absent (%v)", err)
	}
	names, cols := readNumericCSV(b, path)
	d, y := table(names, cols, "Class", nil)
	trainIdx, testIdx, err := split.ModuloHoldout(d.Rows, 5)
	if err != nil {
		b.Fatal(err)
	}
	tr, ytr, te, yte := d.Take(trainIdx), take(y, trainIdx), d.Take(testIdx), take(y, testIdx)
	for _, c := range []struct{ name, tol, penalty string }{
		{"l2/default", "1e-8", "l2"}, {"l2/tol=1e-6", "1e-6", "l2"}, {"l2/tol=1e-4", "1e-4", "l2"}, {"l1/default", "1e-8", "l1"},
	} {
		p, err := ParseParams(map[string]string{"tol": c.tol, "penalty": c.penalty})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			var m *Model
			for b.Loop() {
				if m, err = Fit(context.Background(), tr, ytr, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(m.Fit.Iterations), "iterations")
			b.ReportMetric(aucOf(b, m, te, yte), "test_auc")
		})
		b.Run(c.name+"/predict", func(b *testing.B) {
			m, err := Fit(context.Background(), tr, ytr, p)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := m.PredictProba(te); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
