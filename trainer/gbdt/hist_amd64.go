//go:build !purego

package gbdt

// The kernels are in hist_amd64.s.

//go:noescape
func gather1Asm(h *[maxBins]gradPair, col *uint8, rows *int32, og *[2]float32, n int)

//go:noescape
func gather2Asm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, rows *int32, og *[2]float32, n int)

//go:noescape
func gather3Asm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, rows *int32, og *[2]float32, n int)

//go:noescape
func gather4Asm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, rows *int32, og *[2]float32, n int)

//go:noescape
func gather4PfAsm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, rows *int32, og *[2]float32, n int)

//go:noescape
func contig1Asm(h *[maxBins]gradPair, col *uint8, gh *[2]float32, n int)

//go:noescape
func contig2Asm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, gh *[2]float32, n int)

//go:noescape
func contig3Asm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, gh *[2]float32, n int)

//go:noescape
func contig4Asm(hs *[4]*[maxBins]gradPair, cols *[4]*uint8, gh *[2]float32, n int)

//go:noescape
func rowsAsm(h *[maxBins]gradPair, mat *uint8, nf int, rows *int32, og *[2]float32, n int, nfeat int)

// gather1 adds og[i] to h[col[rows[i]]] for every i. The caller guarantees
// every row id < len(col).
func gather1(h *[maxBins]gradPair, col []uint8, rows []int32, og [][2]float32) {
	if len(rows) == 0 {
		return
	}
	_ = og[len(rows)-1]
	gather1Asm(h, &col[0], &rows[0], &og[0], len(rows))
}

// gatherK is gather1 for the first k (1..4) features of hs and cols at
// once: hs[j][cols[j][rows[i]]] += og[i]. The caller guarantees every row
// id < len(cols[j]).
func gatherK(hs *[4]*[maxBins]gradPair, cols *[4][]uint8, k int, rows []int32, og [][2]float32) {
	if len(rows) == 0 {
		return
	}
	_ = og[len(rows)-1]
	var p [4]*uint8
	for j := range k {
		p[j] = &cols[j][0]
	}
	switch k {
	case 1:
		gather1Asm(hs[0], p[0], &rows[0], &og[0], len(rows))
	case 2:
		gather2Asm(hs, &p, &rows[0], &og[0], len(rows))
	case 3:
		gather3Asm(hs, &p, &rows[0], &og[0], len(rows))
	case 4:
		// a sparse leaf prefetches its bins (as qgather32x4p); the rows are
		// added in the same order either way
		n := len(rows)
		if m := n - prefetchAhead; m > 0 && sparse(rows) {
			gather4PfAsm(hs, &p, &rows[0], &og[0], m)
			gather4Asm(hs, &p, &rows[m], &og[m], prefetchAhead)
		} else {
			gather4Asm(hs, &p, &rows[0], &og[0], n)
		}
	}
}

// contig1 adds gh[i] to h[col[i]] for every i < len(col).
func contig1(h *[maxBins]gradPair, col []uint8, gh [][2]float32) {
	if len(col) == 0 {
		return
	}
	_ = gh[len(col)-1]
	contig1Asm(h, &col[0], &gh[0], len(col))
}

// contigK is contig1 for the first k (1..4) features of hs and cols at
// once: hs[j][cols[j][i]] += gh[i] for every i < len(gh).
func contigK(hs *[4]*[maxBins]gradPair, cols *[4][]uint8, k int, gh [][2]float32) {
	n := len(gh)
	if n == 0 {
		return
	}
	var p [4]*uint8
	for j := range k {
		_ = cols[j][n-1]
		p[j] = &cols[j][0]
	}
	switch k {
	case 1:
		contig1Asm(hs[0], p[0], &gh[0], n)
	case 2:
		contig2Asm(hs, &p, &gh[0], n)
	case 3:
		contig3Asm(hs, &p, &gh[0], n)
	case 4:
		contig4Asm(hs, &p, &gh[0], n)
	}
}

// accumulateRows adds og[i] to the histograms of features f0..f1-1 (h holds
// 256 bins per feature from feature 0) reading row-major bins mat (nf per
// row). The caller guarantees every row id < len(mat)/nf.
func accumulateRows(h []gradPair, mat []uint8, nf int, rows []int32, og [][2]float32, f0, f1 int) {
	if len(rows) == 0 || f1 <= f0 {
		return
	}
	_ = og[len(rows)-1]
	_ = h[f1*maxBins-1]
	rowsAsm((*[maxBins]gradPair)(h[f0*maxBins:]), &mat[f0], nf, &rows[0], &og[0], len(rows), f1-f0)
}
