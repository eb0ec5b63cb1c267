package gbdt

import (
	"context"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

// fraudLike is an in-memory stand-in for the peers' fraud-like set: rows x
// 30 numeric columns, 1.5% NaN in a third of them, rare positives driven by
// thresholds and an interaction.
func fraudLike(rows int) (*trainer.Dataset, []float64) {
	rng := rand.New(rand.NewPCG(7, 8))
	ds := &trainer.Dataset{Rows: rows}
	for j := range 30 {
		v := make([]float64, rows)
		for i := range v {
			v[i] = rng.NormFloat64()
			if j%3 == 0 && rng.Float64() < 0.015 {
				v[i] = math.NaN()
			}
		}
		ds.Features = append(ds.Features, trainer.Feature{Name: "f" + string(rune('a'+j%26)) + string(rune('0'+j/26)), Values: v})
	}
	y := make([]float64, rows)
	for i := range y {
		f := func(j int) float64 { return ds.Features[j].Values[i] }
		z := -6.0 + 1.5*f(1) + math.Abs(f(2)) + 2*float64(boolInt(f(4) > 1 && f(5) < 0))
		if f(0) != f(0) {
			z++
		}
		if rng.Float64() < sigmoid(z) {
			y[i] = 1
		}
	}
	return ds, y
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkTrainFraudLike trains 20 trees (the peers' other settings) on
// 800k rows with 2 threads; ns/op / 20 is the time per tree. "quant" is
// use_quantized_grad.
func BenchmarkTrainFraudLike(b *testing.B) {
	for _, c := range []struct {
		name           string
		rowWise, quant bool
	}{{"col", false, false}, {"row", true, false}, {"quant", false, true}, {"quant-row", true, true}} {
		b.Run(c.name, func(b *testing.B) { benchTrain(b, c.rowWise, c.quant) })
	}
}

func benchTrain(b *testing.B, rowWise, quant bool) {
	ds, y := fraudLike(800000)
	bd, err := NewBinnedDataset(context.Background(), ds, 255)
	if err != nil {
		b.Fatal(err)
	}
	p := DefaultParams()
	p.NumIterations, p.NumThreads, p.ForceRowWise, p.UseQuantizedGrad = 20, 2, rowWise, quant
	b.ResetTimer()
	cpu0 := cpuSeconds()
	sections := 0
	for range b.N {
		m, err := Train(context.Background(), p, Data{Binned: bd, Labels: y}, nil)
		if err != nil {
			b.Fatal(err)
		}
		sections += m.sections
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(sections)/float64(b.N), "sections/op")
}

// cpuSeconds is the process's user+system CPU time: on a shared machine a
// steadier measure than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
