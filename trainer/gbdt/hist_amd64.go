package gbdt

// buildHistRowsAsm is in hist_amd64.s.
//
//go:noescape
func buildHistRowsAsm(h *[maxBins]gradPair, mat *uint8, nf int, rows *int32, og *gradPair, n int, nfeat int)

// accumulateRows adds og[i] to the histograms of features f0..f1-1 (h holds
// 256 bins per feature from feature 0) reading row-major bins mat (nf per
// row). The caller guarantees every row id < len(mat)/nf.
func accumulateRows(h []gradPair, mat []uint8, nf int, rows []int32, og []gradPair, f0, f1 int) {
	if len(rows) == 0 || f1 <= f0 {
		return
	}
	buildHistRowsAsm((*[maxBins]gradPair)(h[f0*maxBins:]), &mat[f0], nf, &rows[0], &og[0], len(rows), f1-f0)
}

//go:noescape
func buildHistAsm(h *[maxBins]gradPair, col *uint8, rows *int32, og *gradPair, n int)

// accumulateCol adds og[i] to h[col[rows[i]]] for every i. The caller
// guarantees len(og) >= len(rows) and every row id < len(col).
func accumulateCol(h *[maxBins]gradPair, col []uint8, rows []int32, og []gradPair) {
	if len(rows) == 0 {
		return
	}
	buildHistAsm(h, &col[0], &rows[0], &og[0], len(rows))
}

//go:noescape
func buildHistContigAsm(h *[maxBins]gradPair, col *uint8, gh *[2]float32, n int)

// accumulateContig adds gh[i] to h[col[i]] for every i; len(gh) >= len(col).
func accumulateContig(h *[maxBins]gradPair, col []uint8, gh [][2]float32) {
	if len(col) == 0 {
		return
	}
	_ = gh[len(col)-1]
	buildHistContigAsm(h, &col[0], &gh[0], len(col))
}
