package dsl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// auc scores one feature as a ranking (missing → below every value).
func auc(t *testing.T, y, score []float64) float64 {
	t.Helper()
	low := 0.0
	for _, v := range score {
		if v == v {
			low = math.Min(low, v)
		}
	}
	s := make([]float64, len(score))
	for i, v := range score {
		if v != v {
			v = low - 1
		}
		s[i] = v
	}
	a, err := metrics.ROCAUC(y, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func takeY(y []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = y[i]
	}
	return out
}

// cvAUC is the mean validation AUC of output column col over k random
// folds. With naive set, the pipeline is fitted once on all rows (labels of
// the validation rows included) — the classic mistake; otherwise it is
// fitted on each fold's training rows only, as the experiment does.
func cvAUC(t *testing.T, src, col string, f *features.Frame, y []float64, naive bool) float64 {
	t.Helper()
	const k = 5
	r := rand.New(rand.NewPCG(42, 1))
	perm := r.Perm(f.Rows)
	var full *Pipeline
	if naive {
		full, _ = fitSpec(t, src, f, y, FitOptions{})
	}
	var sum float64
	for fold := range k {
		var tr, va []int
		for pos, i := range perm {
			if pos%k == fold {
				va = append(va, i)
			} else {
				tr = append(tr, i)
			}
		}
		p := full
		if !naive {
			p, _ = fitSpec(t, src, f.Take(tr), takeY(y, tr), FitOptions{Seed: uint64(fold)})
		}
		out, err := p.Apply(context.Background(), f.Take(va))
		if err != nil {
			t.Fatal(err)
		}
		sum += auc(t, takeY(y, va), out.Col(col).Num)
	}
	return sum / k
}

// ticketFrame plants a leak through target encoding: a near-unique category
// (each ticket on two rows) with labels drawn at random, so it carries no
// signal at all — any AUC above 0.5 is the label leaking back.
func ticketFrame(n int) (*features.Frame, []float64) {
	r := rand.New(rand.NewPCG(7, 7))
	tickets := make([]string, n)
	y := make([]float64, n)
	for i := range tickets {
		tickets[i] = fmt.Sprintf("t%d", i/2)
		if r.Float64() < 0.3 {
			y[i] = 1
		}
	}
	return frameOf(catCol("ticket", tickets...)), y
}

func TestTargetMeanDoesNotLeakTheLabel(t *testing.T) {
	f, y := ticketFrame(4000)
	const src = "m = target_mean(ticket, smoothing=1)"
	naive := cvAUC(t, src, "m", f, y, true)
	ours := cvAUC(t, src, "m", f, y, false)
	t.Logf("target_mean CV AUC on a label-free category: naive (fitted on all rows) %.3f, per-fold + out-of-fold %.3f", naive, ours)
	// A ticket's two rows share one encoding, so a (0, 1) pair ties: 0.9, not 1.
	if naive < 0.85 {
		t.Errorf("naive target encoding AUC %.3f: the planted leak should push it toward 1", naive)
	}
	if math.Abs(ours-0.5) > 0.04 {
		t.Errorf("fold-fitted target_mean AUC %.3f, want ≈ 0.5", ours)
	}
	// Inside the training rows: the in-sample encoding (what a model would
	// learn from without out-of-fold fitting) is nearly perfect; the
	// out-of-fold encoding Fit returns is not.
	p, fitOut := fitSpec(t, src, f, y, FitOptions{Seed: 1})
	inSample, err := p.Apply(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	a, b := auc(t, y, inSample.Col("m").Num), auc(t, y, fitOut.Col("m").Num)
	t.Logf("training rows: in-sample encoding AUC %.3f, out-of-fold %.3f", a, b)
	if a < 0.85 || math.Abs(b-0.5) > 0.05 {
		t.Errorf("training AUC in-sample %.3f (want > 0.85), out-of-fold %.3f (want ≈ 0.5)", a, b)
	}
}

// settlementFrame plants a future-dated leak: every transaction has a
// settlement record one day later (same txn id, same label) whose
// `disputed` field is the label; the original row has disputed = 0. A
// static aggregate over the txn sees the future settlement row.
func settlementFrame(n int) (*features.Frame, []float64) {
	r := rand.New(rand.NewPCG(9, 9))
	ids := make([]string, 0, 2*n)
	ts := make([]float64, 0, 2*n)
	disputed := make([]float64, 0, 2*n)
	y := make([]float64, 0, 2*n)
	for i := range n {
		label := 0.0
		if r.Float64() < 0.2 {
			label = 1
		}
		t0 := float64(r.IntN(86400 * 60))
		id := fmt.Sprintf("tx%d", i)
		ids = append(ids, id, id)
		ts = append(ts, t0, t0+86400)
		disputed = append(disputed, 0, label)
		y = append(y, label, label)
	}
	f := frameOf(strCol("txn", features.Identifier, ids...), timeCol("ts", ts...), numCol("disputed", disputed...))
	return f, y
}

func TestPointInTimeAggregatesDoNotSeeTheFuture(t *testing.T) {
	f, y := settlementFrame(2000)
	const static, pitSrc = "v = group_max(disputed, by=txn)", "v = group_max(disputed, by=txn, time=ts)"
	// naive: the aggregate computed over the whole table before splitting
	// (a groupby-transform), so every row sees its own future settlement.
	naive := cvAUC(t, static, "v", f, y, true)
	staticFolds := cvAUC(t, static, "v", f, y, false)
	pit := cvAUC(t, pitSrc, "v", f, y, false)
	pitAll := cvAUC(t, pitSrc, "v", f, y, true)
	pitW := cvAUC(t, `v = group_max(disputed, by=txn, window="7d", time=ts)`, "v", f, y, false)
	t.Logf("group_max(disputed, by=txn) CV AUC: static on all rows %.3f, static per fold %.3f, point-in-time per fold %.3f, point-in-time on all rows %.3f, point-in-time 7d %.3f", naive, staticFolds, pit, pitAll, pitW)
	if naive < 0.95 {
		t.Errorf("naive aggregate AUC %.3f: the planted future leak should push it toward 1", naive)
	}
	if staticFolds < 0.6 {
		t.Errorf("static per-fold aggregate AUC %.3f: the future settlement rows of the training folds still leak", staticFolds)
	}
	for _, a := range []float64{pit, pitAll, pitW} {
		if math.Abs(a-0.5) > 0.04 {
			t.Errorf("point-in-time aggregate AUC %.3f, want ≈ 0.5", a)
		}
	}
}

func TestFlaggedLeakColumnIsRejected(t *testing.T) {
	// A category equal to the label: the profile flags it, so no op may read it.
	f, y := ticketFrame(100)
	status := make([]string, len(y))
	for i, v := range y {
		status[i] = map[float64]string{0: "ok", 1: "fraud"}[v]
	}
	f.Columns = append(f.Columns, catCol("status", status...))
	_, _, err := Fit(context.Background(), MustParse("target_mean(status)"), f, y, FitOptions{Leaks: []string{"status"}})
	if !errors.Is(err, ErrLeak) {
		t.Fatalf("target_mean of a flagged column: %v, want ErrLeak", err)
	}
	_, out, err := Fit(context.Background(), MustParse("count(ticket)"), f, y, FitOptions{Leaks: []string{"status"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Col("status") != nil {
		t.Errorf("a flagged column passed through")
	}
}
