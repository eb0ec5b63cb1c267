package gbdt

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
)

// sharedData is ../shared/data relative to the repository root.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available (%v): these files may not be copied into the repository", rel, err)
	}
	return p
}

// frameDataset turns a loaded frame into a trainer.Dataset: numeric columns
// as they are, categorical columns as integer codes (missing as NaN), text
// and identifier columns dropped; the target's level "1" is the positive
// class.
func frameDataset(t testing.TB, fr *features.Frame, target string) (*trainer.Dataset, []float64) {
	t.Helper()
	ds := &trainer.Dataset{Rows: fr.Rows}
	var y []float64
	for _, c := range fr.Columns {
		switch {
		case c.Name == target:
			y = make([]float64, fr.Rows)
			for i, code := range c.Codes {
				if code < 0 {
					t.Fatalf("%s: row %d has no label", target, i)
				}
				if c.Levels[code] == "1" {
					y[i] = 1
				}
			}
		case c.Kind == features.Numeric || c.Kind == features.Datetime:
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		case c.Kind == features.Categorical:
			v := make([]float64, fr.Rows)
			for i, code := range c.Codes {
				v[i] = float64(code)
				if code < 0 {
					v[i] = math.NaN()
				}
			}
			ds.Features = append(ds.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: v})
		}
	}
	if y == nil {
		t.Fatalf("no target column %q", target)
	}
	return ds, y
}

type sharedSet struct {
	file, target string
	drop         []string
	minAUC       float64 // well below the peers' test AUC: a floor against regressions
}

var sharedSets = []sharedSet{
	{"fraud/creditcard_10k.csv", "Class", nil, 0.95},
	{"fraud/vehicle_claims.csv", "FraudFound_P", []string{"PolicyNumber"}, 0.80},
	{"click/criteo_5k.csv", "label", nil, 0.62},
	{"click/criteo_200.csv", "label", nil, 0},
	{"click/avazu_100.csv", "click", []string{"id"}, 0},
}

func loadShared(t testing.TB, s sharedSet) (*trainer.Dataset, []float64) {
	fr, err := features.LoadFile(sharedData(t, s.file), features.LoadOptions{Target: s.target, Drop: s.drop})
	if err != nil {
		t.Fatal(err)
	}
	return frameDataset(t, fr, s.target)
}

// TestLeavesMatchesOwnScoringOnSharedData trains on the peers' split (row
// i%5 == 4 is validation) of every tabular shared dataset and requires
// leaves' probabilities to equal our own scoring to 1e-12 on every row.
func TestLeavesMatchesOwnScoringOnSharedData(t *testing.T) {
	for _, s := range sharedSets {
		t.Run(filepath.Base(s.file), func(t *testing.T) {
			ds, y := loadShared(t, s)
			train, valid := splitRows(ds.Rows)
			p := DefaultParams()
			p.NumIterations = 100
			if ds.Rows < 1000 {
				p.MinDataInLeaf = 2
				p.MinDataPerGroup = 2
				p.CatSmooth = 1
			}
			m := trainOn(t, ds, y, p, train, valid)
			validationAgrees(t, m, ds, valid)
			stop := p
			stop.LearningRate, stop.EarlyStoppingRound = 0.3, 5
			ms := trainOn(t, ds, y, stop, train, valid)
			validationAgrees(t, ms, ds, valid)
			worst, _ := leavesAgree(t, m, ds)
			if worst > 1e-12 {
				t.Fatalf("leaves and own scoring differ by %g", worst)
			}
			auc := aucOfProba(t, m, ds, y, valid)
			if auc < s.minAUC {
				t.Fatalf("validation AUC %.4f below %.2f", auc, s.minAUC)
			}
			cats := 0
			for _, f := range ds.Features {
				if f.Categorical {
					cats++
				}
			}
			t.Logf("%d rows, %d features (%d categorical), %d trees, validation AUC %.4f, max |leaves-own| %g",
				ds.Rows, len(ds.Features), cats, m.NumTrees(), auc, worst)
		})
	}
}
