//go:build !amd64 || purego

package gbdt

// gradientKernelSets: no kernels here, only the Go loop.
func gradientKernelSets() [][2]bool { return [][2]bool{{false, false}} }

func gradientsKernels(score, labels []float64, out [][2]float32, w0, w1 float64, _, _ bool) {
	gradientsGo(score, labels, out, w0, w1)
}
