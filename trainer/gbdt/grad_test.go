package gbdt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gradientInputs are scores over the range training reaches and beyond
// (clamped values, zeros, tiny values), labels and class weights.
func gradientInputs(n int) (score, labels []float64) {
	rng := rand.New(rand.NewPCG(5, 6))
	score, labels = make([]float64, n), make([]float64, n)
	special := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 700, -700, 701, -745, 1000, -1e308, 36.7, -36.7}
	for i := range score {
		switch {
		case i < len(special):
			score[i] = special[i]
		case i%3 == 0:
			score[i] = rng.NormFloat64() * 40
		default:
			score[i] = rng.NormFloat64()*3 - 4
		}
		if rng.IntN(4) == 0 {
			labels[i] = 1
		}
	}
	return score, labels
}

// TestGradientKernelMatchesGo: the kernels (AVX-512, AVX2 and both, where
// the CPU has them) and the Go loop give the same bits, for every length
// (the kernels take multiples of eight and four rows).
func TestGradientKernelMatchesGo(t *testing.T) {
	score, labels := gradientInputs(100003)
	for _, w := range [][2]float64{{1, 1}, {1, 37.5}, {0.25, 3}} {
		for _, n := range []int{0, 1, 3, 4, 5, 8, 12, 15, 100003} {
			for _, k := range gradientKernelSets() {
				got := make([][2]float32, n)
				want := make([][2]float32, n)
				gradientsKernels(score[:n], labels[:n], got, w[0], w[1], k[0], k[1])
				gradientsGo(score[:n], labels[:n], want, w[0], w[1])
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("kernels (AVX-512, AVX2) %v, w=%v n=%d row %d score %v label %v: kernel %v, Go %v", k, w, n, i, score[i], labels[i], got[i], want[i])
					}
				}
			}
		}
	}
}

// TestGradientRowMatchesMathExp: the inline exponential gives LightGBM's
// gradients as math.Exp does, to within one float32 rounding.
func TestGradientRowMatchesMathExp(t *testing.T) {
	score, labels := gradientInputs(200000)
	differ := 0
	for i, s := range score {
		lab := -1.0
		if labels[i] == 1 {
			lab = 1
		}
		resp := -lab / (1 + math.Exp(lab*s))
		a := math.Abs(resp)
		want := [2]float32{float32(resp), float32(a * (1 - a))}
		got := gradientRow(s, labels[i], 1, 1)
		for k := range 2 {
			if got[k] == want[k] {
				continue
			}
			differ++
			if d := math.Abs(float64(got[k]-want[k])) / math.Abs(float64(want[k])); d > 1.2e-7 {
				t.Fatalf("row %d score %v label %v part %d: %v, math.Exp gives %v (relative %.3g)", i, s, labels[i], k, got[k], want[k], d)
			}
		}
	}
	if differ > 20 {
		t.Errorf("%d of %d float32 values differ from math.Exp's by a rounding; want at most 20", differ, 2*len(score))
	}
	t.Logf("%d of %d float32 values differ from math.Exp's by one rounding", differ, 2*len(score))
}

// BenchmarkGradients: the gradient pass over 800k rows on one thread, CPU
// nanoseconds per row (math.Exp alone took 13 ns a call here).
func BenchmarkGradients(b *testing.B) {
	score, labels := gradientInputs(800000)
	out := make([][2]float32, len(score))
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for range b.N {
		gradients(score, labels, out, 1, 1)
	}
	b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N)/float64(len(score)), "cpu-ns/row")
}
