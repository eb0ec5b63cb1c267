package gbdt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// histBench is 800k fraud-like rows binned, a leaf holding every step-th
// row with its ordered gradients, and 16 features' histograms (one
// worker's share of the 30 columns).
type histBench struct {
	bd   *BinnedDataset
	rows []int32
	og   [][2]float32
	gh   [][2]float32
	h    []gradPair
}

const histBenchFeats = 16

func newHistBench(b *testing.B, step int) *histBench {
	ds, _ := fraudLike(800000)
	bd, err := NewBinnedDataset(context.Background(), ds, 255)
	if err != nil {
		b.Fatal(err)
	}
	hb := &histBench{bd: bd, gh: make([][2]float32, bd.rows), h: make([]gradPair, len(bd.cols)*maxBins)}
	for i := range hb.gh {
		hb.gh[i] = [2]float32{float32(i%7) - 3, 0.25}
	}
	for i := 0; i < bd.rows; i += step {
		hb.rows = append(hb.rows, int32(i))
		hb.og = append(hb.og, hb.gh[i])
	}
	return hb
}

// report gives CPU nanoseconds per histogram update (row x feature): on a
// shared machine a steadier measure than wall time.
func (hb *histBench) report(b *testing.B, cpu0 float64, rows int) {
	b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N)/float64(rows*histBenchFeats), "cpu-ns/update")
}

func benchLeaf(b *testing.B, step int, rowWise bool) {
	hb := newHistBench(b, step)
	l := &learner{data: hb.bd, rowWise: rowWise, gh: hb.gh}
	feats := make([]int, histBenchFeats)
	for i := range feats {
		feats[i] = i
	}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for range b.N {
		l.buildHists(hb.h, hb.rows, hb.og, feats)
	}
	hb.report(b, cpu0, len(hb.rows))
}

// BenchmarkHistLeafHalf: a leaf holding every other row.
func BenchmarkHistLeafHalf(b *testing.B) { benchLeaf(b, 2, false) }

// BenchmarkHistLeafSparse: a leaf holding every 9th row.
func BenchmarkHistLeafSparse(b *testing.B) { benchLeaf(b, 9, false) }

// BenchmarkHistLeafHalfRowWise: force_row_wise on the same leaf.
func BenchmarkHistLeafHalfRowWise(b *testing.B) { benchLeaf(b, 2, true) }

// BenchmarkHistRoot: all rows, contiguous (no row ids, no gather).
func BenchmarkHistRoot(b *testing.B) {
	hb := newHistBench(b, 1)
	l := &learner{data: hb.bd, gh: hb.gh}
	feats := make([]int, histBenchFeats)
	for i := range feats {
		feats[i] = i
	}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for range b.N {
		l.buildHistsContig(hb.h, 0, hb.bd.rows, feats)
	}
	hb.report(b, cpu0, hb.bd.rows)
}

// BenchmarkDiscretize: one iteration's quantization of 800k rows'
// gradients (use_quantized_grad, 4 levels, stochastic rounding), one thread.
func BenchmarkDiscretize(b *testing.B) {
	const n = 800000
	gh := make([][2]float32, n)
	for i := range gh {
		gh[i] = gradientRow(float64(i%1000)/100-5, float64(i%7/6), 1, 1)
	}
	z := &quantizer{bins: 4, stochastic: true, seed: 42, q: make([]int64, n), q16: make([]uint16, n)}
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := range b.N {
		z.discretize(gh, i, newTeam(1), true, nil)
	}
	b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N)/n, "cpu-ns/row")
}

// BenchmarkQuantLeaf: the integer histograms (int64 bins, 16 levels) of
// every feature of a leaf holding about one row in step, drawn at random,
// from the row-major bins (buildQHistsRows), one thread. On the shared
// benchmark machine: 0.25-0.5 CPU ns an update at every step, with the
// load; the gather from the columns it replaced took 0.29 (step 2), 0.32,
// 0.48 and 1.07 (step 128) beside it, strided rows.
func BenchmarkQuantLeaf(b *testing.B) {
	hb := newHistBench(b, 1)
	nf := len(hb.bd.cols)
	rng := rand.New(rand.NewPCG(1, 2))
	z := &quantizer{bins: 16, q16: make([]uint16, hb.bd.rows)}
	for i, v := range quantInput(rng, hb.bd.rows, 16) {
		z.q16[i] = pack16(v)
	}
	l := &learner{data: hb.bd, quant: z, threads: 1}
	feats := make([]int, nf)
	for i := range feats {
		feats[i] = i
	}
	h := make([]int64, nf*maxBins)
	for _, step := range []int{2, 8, 32, 128} {
		var rows []int32
		for r := range hb.bd.rows {
			if rng.IntN(step) == 0 {
				rows = append(rows, int32(r))
			}
		}
		b.Run(fmt.Sprintf("step%d", step), func(b *testing.B) {
			l.buildQHistsRows(h, rows, feats, true) // the row-major bins, once
			cpu0 := cpuSeconds()
			for range b.N {
				l.buildQHistsRows(h, rows, feats, true)
			}
			b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N)/float64(len(rows)*nf), "cpu-ns/update")
		})
	}
}
