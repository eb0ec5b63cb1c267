//go:build !amd64 || purego

package gbdt

// Where there is no assembly kernel, the portable loops of hist.go run.

func gather1(h *[maxBins]gradPair, col []uint8, rows []int32, og [][2]float32) {
	gather1Go(h, col, rows, og)
}

func gatherK(hs *[4]*[maxBins]gradPair, cols *[4][]uint8, k int, rows []int32, og [][2]float32) {
	gatherKGo(hs, cols, k, rows, og)
}

func contig1(h *[maxBins]gradPair, col []uint8, gh [][2]float32) { contig1Go(h, col, gh) }

func contigK(hs *[4]*[maxBins]gradPair, cols *[4][]uint8, k int, gh [][2]float32) {
	contigKGo(hs, cols, k, gh)
}

func accumulateRows(h []gradPair, mat []uint8, nf int, rows []int32, og [][2]float32, f0, f1 int) {
	accumulateRowsGo(h, mat, nf, rows, og, f0, f1)
}
