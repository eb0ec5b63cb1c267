//go:build !purego

package gbdt

import "golang.org/x/sys/cpu"

// gradientsAVX2 and gradientsAVX512 are in grad_amd64.s.
//
//go:noescape
func gradientsAVX2(score *float64, labels *float64, out *[2]float32, n int, w *[2]float64)

//go:noescape
func gradientsAVX512(score *float64, labels *float64, out *[2]float32, n int, w *[2]float64)

// gradients fills out[i] with row i's gradient and hessian (gradientRow):
// eight rows at a time with AVX-512 where the CPU has it, then four at a
// time with AVX2, the rest in Go.
func gradients(score, labels []float64, out [][2]float32, w0, w1 float64) {
	gradientsKernels(score, labels, out, w0, w1, cpu.X86.HasAVX512F, cpu.X86.HasAVX2)
}

// gradientsKernels is gradients with the AVX-512 and AVX2 kernels allowed
// or not (the tests run each against the Go loop).
func gradientsKernels(score, labels []float64, out [][2]float32, w0, w1 float64, avx512, avx2 bool) {
	n := len(score)
	labels, out = labels[:n], out[:n]
	if m := n &^ 7; m > 0 && avx512 {
		w := [2]float64{w0, w1}
		gradientsAVX512(&score[0], &labels[0], &out[0], m, &w)
		score, labels, out = score[m:], labels[m:], out[m:]
		n -= m
	}
	if m := n &^ 3; m > 0 && avx2 {
		w := [2]float64{w0, w1}
		gradientsAVX2(&score[0], &labels[0], &out[0], m, &w)
		score, labels, out = score[m:], labels[m:], out[m:]
	}
	gradientsGo(score, labels, out, w0, w1)
}
