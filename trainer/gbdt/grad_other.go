//go:build !amd64 || purego

package gbdt

// gradients fills out[i] with row i's gradient and hessian (gradientRow).
func gradients(score, labels []float64, out [][2]float32, w0, w1 float64) {
	gradientsGo(score, labels, out, w0, w1)
}
