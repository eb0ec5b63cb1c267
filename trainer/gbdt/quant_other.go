//go:build !amd64 || purego

package gbdt

// Where there is no assembly kernel, the portable loops of quant.go run.

func rowsQ(h []int64, mat []uint8, nf int, rows []int32, q16 []uint16, f0, f1 int, wide bool) {
	rowsQGo(h, mat, nf, rows, q16, f0, f1, wide)
}

func contigQ(hs *[4]*[maxBins]int64, cols *[4][]uint8, k int, q []int64) { contigQGo(hs, cols, k, q) }

func discretizeChunk(q []int64, q16 []uint16, gh [][2]float32, h uint64, ig, ih float64, stochastic bool, half, hmax int64) {
	discretizeRows(q, q16, gh, h, ig, ih, stochastic, half, hmax)
}

func maxAbsBits(gh [][2]float32, m [2]uint32) [2]uint32 { return maxAbsBitsGo(gh, m) }
