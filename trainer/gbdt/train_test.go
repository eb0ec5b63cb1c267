package gbdt

import (
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

func TestLeavesMatchesOwnScoringSynthetic(t *testing.T) {
	ds, y := synthetic(5000, 1)
	train, valid := splitRows(ds.Rows)
	p := DefaultParams()
	p.NumIterations = 50
	m := trainOn(t, ds, y, p, train, valid)
	worst, text := leavesAgree(t, m, ds)
	if worst > 1e-12 {
		t.Fatalf("leaves and own scoring differ by %g", worst)
	}
	if m.NumTrees() != 50 {
		t.Fatalf("%d trees, want 50", m.NumTrees())
	}
	auc := aucOfProba(t, m, ds, y, valid)
	if auc < 0.75 {
		t.Fatalf("validation AUC %.4f, want > 0.75", auc)
	}
	t.Logf("AUC %.4f, model %d bytes", auc, len(text))
}

func aucOfProba(t testing.TB, m *Model, ds *trainer.Dataset, y []float64, rows []int) float64 {
	t.Helper()
	raw, err := m.PredictRaw(ds)
	if err != nil {
		t.Fatal(err)
	}
	vr := make([]float64, len(rows))
	for i, r := range rows {
		vr[i] = raw[r]
	}
	return aucOf(vr, y, rows)
}

func TestDumpModelForInspection(t *testing.T) {
	ds, y := synthetic(5000, 1)
	train, valid := splitRows(ds.Rows)
	p := DefaultParams()
	p.NumIterations = 3
	p.NumLeaves = 4
	m := trainOn(t, ds, y, p, train, valid)
	_, text := leavesAgree(t, m, ds)
	t.Logf("\n%s", text)
}
