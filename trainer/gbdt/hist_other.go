//go:build !amd64

package gbdt

// accumulateRows is accumulateRowsGo where there is no assembly kernel.
func accumulateRows(h []gradPair, mat []uint8, nf int, rows []int32, og []gradPair, f0, f1 int) {
	accumulateRowsGo(h, mat, nf, rows, og, f0, f1)
}

// accumulateCol is accumulateColGo where there is no assembly kernel.
func accumulateCol(h *[maxBins]gradPair, col []uint8, rows []int32, og []gradPair) {
	accumulateColGo(h, col, rows, og)
}

// accumulateContig is accumulateContigGo where there is no assembly kernel.
func accumulateContig(h *[maxBins]gradPair, col []uint8, gh [][2]float32) {
	accumulateContigGo(h, col, gh)
}
