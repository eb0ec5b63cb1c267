//go:build !purego

package gbdt

import "golang.org/x/sys/cpu"

// gradientsAVX2 is in grad_amd64.s.
//
//go:noescape
func gradientsAVX2(score *float64, labels *float64, out *[2]float32, n int, w *[2]float64)

// gradients fills out[i] with row i's gradient and hessian (gradientRow):
// four rows at a time with AVX2 where the CPU has it, the rest in Go.
func gradients(score, labels []float64, out [][2]float32, w0, w1 float64) {
	n := len(score)
	labels, out = labels[:n], out[:n]
	if m := n &^ 3; m > 0 && cpu.X86.HasAVX2 {
		w := [2]float64{w0, w1}
		gradientsAVX2(&score[0], &labels[0], &out[0], m, &w)
		score, labels, out = score[m:], labels[m:], out[m:]
	}
	gradientsGo(score, labels, out, w0, w1)
}
