package gbdt

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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

func TestTrainIsDeterministicAcrossRunsAndThreads(t *testing.T) {
	// large leaves (over partitionParallelRows) are partitioned in parallel
	// chunks, 3 threads give uneven chunks
	ds, y := synthetic(100000, 3)
	train, valid := splitRows(ds.Rows)
	// without bagging every row's score is updated from the leaves' rows,
	// with it the out-of-bag rows' by walking the tree (updateScores);
	// renewed leaves are summed by the threads a leaf each
	for _, c := range []struct {
		quant, renew bool
		bagging      float64
	}{{false, false, 0.9}, {true, false, 0.9}, {false, false, 1}, {true, false, 1}, {true, true, 1}} {
		quant := c.quant
		p := DefaultParams()
		p.NumIterations = 8
		p.BaggingFraction, p.BaggingFreq, p.FeatureFraction, p.Seed = c.bagging, 2, 0.75, 11
		p.UseQuantizedGrad, p.QuantTrainRenewLeaf = quant, c.renew
		var first []byte
		for _, threads := range []int{1, 2, 3, 1} {
			p.NumThreads = threads
			_, text := leavesAgree(t, trainOn(t, ds, y, p, train, valid), ds)
			if first == nil {
				first = text
			} else if !bytes.Equal(first, text) {
				t.Fatalf("use_quantized_grad=%v, quant_train_renew_leaf=%v, bagging_fraction=%v, num_threads=%d: model file differs from the first run", quant, c.renew, c.bagging, threads)
			}
		}
		p.Seed = 12
		_, other := leavesAgree(t, trainOn(t, ds, y, p, train, valid), ds)
		if bytes.Equal(first, other) {
			t.Fatalf("use_quantized_grad=%v, quant_train_renew_leaf=%v, bagging_fraction=%v: a different seed (bagging, feature_fraction) gave the same model", quant, c.renew, c.bagging)
		}
	}
}

func TestTrainRejectsSingleClassAndBadLabels(t *testing.T) {
	ds, y := synthetic(500, 4)
	bd, err := NewBinnedDataset(context.Background(), ds, 255)
	if err != nil {
		t.Fatal(err)
	}
	var negRows []int
	for i, v := range y {
		if v == 0 {
			negRows = append(negRows, i)
		}
	}
	_, err = Train(context.Background(), DefaultParams(), Data{Binned: bd, Labels: y, Rows: negRows}, nil)
	if !errors.Is(err, ErrSingleClass) || !strings.Contains(err.Error(), "all labelled 0") {
		t.Fatalf("single-class fold: %v", err)
	}
	bad := slices.Clone(y)
	bad[7] = 2
	_, err = Train(context.Background(), DefaultParams(), Data{Binned: bd, Labels: bad}, nil)
	if err == nil || !strings.Contains(err.Error(), "row 7: label 2 is not 0 or 1") {
		t.Fatalf("bad label: %v", err)
	}
	p := DefaultParams()
	p.EarlyStoppingRound = 5
	_, err = Train(context.Background(), p, Data{Binned: bd, Labels: y}, nil)
	if err == nil || !strings.Contains(err.Error(), "early_stopping_round = 5 needs validation rows") {
		t.Fatalf("early stopping without validation: %v", err)
	}
	p = DefaultParams()
	p.MaxBin = 63
	_, err = Train(context.Background(), p, Data{Binned: bd, Labels: y}, nil)
	if err == nil || !strings.Contains(err.Error(), "max_bin = 63") {
		t.Fatalf("max_bin mismatch: %v", err)
	}
	other, _ := NewBinnedDataset(context.Background(), ds, 255)
	_, err = Train(context.Background(), DefaultParams(), Data{Binned: bd, Labels: y, Rows: []int{0, 1, 2, 3}},
		&Data{Binned: other, Labels: y})
	if err == nil || !strings.Contains(err.Error(), "not binned with the training data's bins") {
		t.Fatalf("foreign validation bins: %v", err)
	}
}

func TestEarlyStoppingKeepsBestIteration(t *testing.T) {
	ds, y := synthetic(4000, 5)
	train, valid := splitRows(ds.Rows)
	p := DefaultParams()
	p.NumIterations = 500
	p.LearningRate = 0.3
	p.EarlyStoppingRound = 10
	m := trainOn(t, ds, y, p, train, valid)
	hist := m.ValidMetric()
	best := m.BestIteration()
	if best < 1 || best >= len(hist) || len(hist) != best+10 {
		t.Fatalf("best iteration %d of %d evaluated: want the run to stop 10 rounds after the best", best, len(hist))
	}
	if m.NumTrees() != best {
		t.Fatalf("model keeps %d trees, best iteration %d", m.NumTrees(), best)
	}
	for i, v := range hist {
		if v < hist[best-1] {
			t.Fatalf("iteration %d has logloss %g below the best %g", i+1, v, hist[best-1])
		}
	}
	// the kept model's validation logloss is the best one
	raw, _ := m.PredictRaw(ds)
	vr := make([]float64, len(valid))
	for i, r := range valid {
		vr[i] = raw[r]
	}
	if got := evalMetric("binary_logloss", vr, y, valid, newTeam(1)); math.Abs(got-hist[best-1]) > 1e-12 {
		t.Fatalf("kept model logloss %g, recorded best %g", got, hist[best-1])
	}
	// the scores kept for early stopping are the kept model's, bit for bit
	validationAgrees(t, m, ds, valid)
}

// TestLogLossIsTheSameAtAnyThreadCount: the early-stopping metric sums
// fixed blocks in order, so the thread count cannot move a best iteration.
func TestLogLossIsTheSameAtAnyThreadCount(t *testing.T) {
	n := 5*metricBlock + 123
	raw, y, rows := make([]float64, n), make([]float64, n+7), make([]int, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		raw[i] = 4 * r.NormFloat64()
		rows[i] = (i * 7) % (n + 7)
	}
	for i := range y {
		if r.Float64() < 0.2 {
			y[i] = 1
		}
	}
	want, sum := evalMetric("binary_logloss", raw, y, rows, newTeam(1)), 0.0
	for i, row := range rows {
		p := math.Min(math.Max(sigmoid(raw[i]), 1e-15), 1-1e-15)
		if y[row] == 1 {
			sum -= math.Log(p)
		} else {
			sum -= math.Log(1 - p)
		}
	}
	if math.Abs(want-sum/float64(n)) > 1e-12 {
		t.Fatalf("block sum %v, row-by-row sum %v", want, sum/float64(n))
	}
	for _, threads := range []int{2, 3, 8} {
		tm := newTeam(threads)
		got := evalMetric("binary_logloss", raw, y, rows, tm)
		tm.close()
		if got != want {
			t.Fatalf("log loss %v on %d threads, %v on 1", got, threads, want)
		}
	}
}

func TestValidationFileBinnedWithSameBins(t *testing.T) {
	ds, y := synthetic(3000, 6)
	train, valid := splitRows(ds.Rows)
	trainDS, validDS := ds.Take(train), ds.Take(valid)
	ty, vy := take(y, train), take(y, valid)
	ctx := context.Background()
	bd, err := NewBinnedDataset(ctx, trainDS, 255)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := bd.Bin(ctx, validDS)
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultParams()
	p.NumIterations = 40
	m, err := Train(ctx, p, Data{Binned: bd, Labels: ty}, &Data{Binned: vb, Labels: vy})
	if err != nil {
		t.Fatal(err)
	}
	// the binned validation scores used for the metric equal raw-value scoring
	raw, _ := m.PredictRaw(validDS)
	rows := make([]int, len(vy))
	for i := range rows {
		rows[i] = i
	}
	if got, want := evalMetric("binary_logloss", raw, vy, rows, newTeam(1)), m.ValidMetric()[39]; math.Abs(got-want) > 1e-12 {
		t.Fatalf("raw scoring logloss %v, binned validation logloss %v", got, want)
	}
	validDS.Features[0].Name = "renamed"
	if _, err := bd.Bin(ctx, validDS); err == nil || !strings.Contains(err.Error(), `"renamed"`) {
		t.Fatalf("mismatched feature: %v", err)
	}
}

func take(y []float64, rows []int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = y[r]
	}
	return out
}

func TestFeatureImportanceCountsSplitsAndGain(t *testing.T) {
	ds, y := synthetic(4000, 8)
	p := DefaultParams()
	p.NumIterations = 20
	m := trainOn(t, ds, y, p, nil, nil)
	imp := m.FeatureImportance()
	splits := 0
	for _, t := range m.trees {
		splits += t.numLeaves - 1
	}
	total := 0
	for _, x := range imp {
		total += x.Splits
		if (x.Splits == 0) != (x.Gain == 0) {
			t.Fatalf("%s: %d splits but gain %v", x.Feature, x.Splits, x.Gain)
		}
	}
	if total != splits {
		t.Fatalf("importance counts %d splits, trees have %d", total, splits)
	}
	// x0 carries the strongest signal
	if imp[0].Gain <= imp[3].Gain {
		t.Fatalf("x0 gain %v not above noise feature x3's %v", imp[0].Gain, imp[3].Gain)
	}
}

func TestRowWiseAndColWiseHistogramsGiveTheSameModel(t *testing.T) {
	ds, y := synthetic(50000, 9)
	for _, quant := range []bool{false, true} {
		p := DefaultParams()
		p.NumIterations, p.FeatureFraction, p.Seed, p.UseQuantizedGrad = 15, 0.75, 3, quant
		_, col := leavesAgree(t, trainOn(t, ds, y, p, nil, nil), ds)
		p.ForceRowWise = true
		_, row := leavesAgree(t, trainOn(t, ds, y, p, nil, nil), ds)
		if !bytes.Equal(col, row) {
			t.Fatalf("use_quantized_grad=%v: force_row_wise changed the model", quant)
		}
	}
}

func TestFoldRowsInAnyOrderGiveTheSameModel(t *testing.T) {
	ds, y := synthetic(3000, 10)
	train, valid := splitRows(ds.Rows)
	p := DefaultParams()
	p.NumIterations = 10
	_, sorted := leavesAgree(t, trainOn(t, ds, y, p, train, valid), ds)
	rev := slices.Clone(train)
	slices.Reverse(rev)
	_, reversed := leavesAgree(t, trainOn(t, ds, y, p, rev, valid), ds)
	if !bytes.Equal(sorted, reversed) {
		t.Fatal("row order of the fold changed the model")
	}
	bd, _ := NewBinnedDataset(context.Background(), ds, 255)
	_, err := Train(context.Background(), p, Data{Binned: bd, Labels: y, Rows: []int{5, 9, 5}}, nil)
	if err == nil || !strings.Contains(err.Error(), "row id 5 given twice") {
		t.Fatalf("duplicate row: %v", err)
	}
}

func TestHugeNumLeavesOnSmallDataStaysSmall(t *testing.T) {
	ds, y := synthetic(2000, 11)
	p := DefaultParams()
	p.NumIterations, p.NumLeaves, p.MinDataInLeaf, p.MinSumHessianInLeaf = 3, 131072, 1, 0
	m := trainOn(t, ds, y, p, nil, nil)
	if got := m.trees[0].numLeaves; got < 100 || got > 2000 {
		t.Fatalf("first tree has %d leaves", got)
	}
	if worst, _ := leavesAgree(t, m, ds); worst > 1e-12 {
		t.Fatalf("leaves differs by %g", worst)
	}
}
