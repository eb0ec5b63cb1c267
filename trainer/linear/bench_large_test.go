//go:build bench

package linear

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/split"
)

// TestFitPeerData fits the peers' 1,000,000-row fraud.csv and click.csv
// (../shared/bench/peers/make_data.py; directory $NIGHTSHIFT_BENCH_DIR or
// ~/.cache/nightshift-bench) on the peers' split and logs fit time and test
// AUC, to put beside
//
//	/usr/bin/python3 fit_peer.py $D/fraud.csv sklearn-logreg
//
// Run: go test -tags bench -run TestFitPeerData -v -timeout 30m ./trainer/linear
// (PENALTY=l1|l2 runs one penalty only; ROWS=N the first N rows.)
func TestFitPeerData(t *testing.T) {
	dir := os.Getenv("NIGHTSHIFT_BENCH_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "nightshift-bench")
	}
	for _, name := range []string{"fraud.csv", "click.csv"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%v: generate it with ../shared/bench/peers/make_data.py", err)
			}
			t0 := time.Now()
			fr, err := features.LoadFile(path, features.LoadOptions{Target: "label"})
			if err != nil {
				t.Fatal(err)
			}
			tg, err := features.ParseTarget(fr, "label", "")
			if err != nil {
				t.Fatal(err)
			}
			d := frameDataset(fr.Without("label"))
			if n, err := strconv.Atoi(os.Getenv("ROWS")); err == nil && n > 0 && n < d.Rows {
				first := make([]int, n)
				for i := range first {
					first[i] = i
				}
				d, tg.Y = d.Take(first), tg.Y[:n]
			}
			t.Logf("loaded %d rows x %d features in %.1fs", d.Rows, len(d.Features), time.Since(t0).Seconds())
			tri, tei, err := split.ModuloHoldout(d.Rows, 5)
			if err != nil {
				t.Fatal(err)
			}
			tr, te := d.Take(tri), d.Take(tei)
			ytr, yte := take(tg.Y, tri), take(tg.Y, tei)
			// Full one-hot, like the peer's OneHotEncoder.
			for _, c := range []struct{ penalty, C, tol string }{{"l2", "1", "1e-6"}, {"l2", "1", "1e-8"}, {"l1", "0.1", "1e-6"}} {
				if os.Getenv("PENALTY") != "" && os.Getenv("PENALTY") != c.penalty {
					continue
				}
				p, err := ParseParams(map[string]string{"penalty": c.penalty, "C": c.C, "tol": c.tol, "max_levels": "1000000", "min_level_count": "1"})
				if err != nil {
					t.Fatal(err)
				}
				t1 := time.Now()
				m, err := Fit(context.Background(), tr, ytr, p)
				if err != nil {
					t.Fatal(err)
				}
				fit := time.Since(t1).Seconds()
				t2 := time.Now()
				auc := aucOf(t, m, te, yte)
				t.Logf("%s C=%s tol %s: train_seconds %.2f predict_seconds %.3f test AUC %.6f; %s %d iterations, converged %v, gradient %.2g, %d columns, %d non-zero",
					c.penalty, c.C, c.tol, fit, time.Since(t2).Seconds(), auc, m.Fit.Solver, m.Fit.Iterations, m.Fit.Converged, m.Fit.Gradient, m.Fit.Columns, m.Fit.NonZero)
			}
		})
	}
}

// frameDataset turns a loaded Frame into the numeric design (categorical
// codes as float64, NaN missing); text and identifier columns are left out.
func frameDataset(fr *features.Frame) *trainer.Dataset {
	d := &trainer.Dataset{Rows: fr.Rows}
	for _, c := range fr.Columns {
		switch c.Kind {
		case features.Numeric:
			d.Features = append(d.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		case features.Categorical:
			v := make([]float64, len(c.Codes))
			for i, code := range c.Codes {
				v[i] = float64(code)
				if code < 0 {
					v[i] = nan()
				}
			}
			d.Features = append(d.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: v})
		}
	}
	return d
}

func nan() float64 { var z float64; return z / z }
