package gbdt

// histBlockRows is the number of rows whose ordered gradients (8 bytes
// each) and row ids stay in the L2 cache while every feature's bins of
// those rows are summed.
const histBlockRows = 8192

// featHist returns feature f's histogram in h (256 bins per feature).
func featHist(h []gradPair, f int) *[maxBins]gradPair {
	return (*[maxBins]gradPair)(h[f*maxBins : (f+1)*maxBins])
}

// buildHists sums the ordered gradients og (og[i] belongs to rows[i],
// LightGBM's ordered_gradients) into the histograms of feats. This is the
// hottest loop of training. Rows are taken in cache blocks: every feature
// of one block of rows before the next block, so the block's row ids and
// gradients are read from cache by every feature instead of from memory.
// Within a block, features go four at a time (gatherK), which reads each
// row id and gradient pair once for the four. Each bin still sums its rows
// in row order, so the sums do not depend on the grouping, the blocks or
// the number of workers.
func (l *learner) buildHists(h []gradPair, rows []int32, og [][2]float32, feats []int) {
	for _, f := range feats {
		clear(featHist(h, f)[:])
	}
	n := len(rows)
	if n == 0 {
		return
	}
	og = og[:n]
	if l.rowWise {
		l.buildHistsRowWise(h, rows, og, feats)
		return
	}
	cols := l.data.cols
	for _, f := range feats {
		_ = cols[f][rows[n-1]] // rows are increasing: this bounds every row
	}
	var hs [4]*[maxBins]gradPair
	var qc [4][]uint8
	for lo := 0; lo < n; lo += histBlockRows {
		hi := min(lo+histBlockRows, n)
		for q := 0; q < len(feats); q += 4 {
			k := min(4, len(feats)-q)
			for j, f := range feats[q : q+k] {
				hs[j], qc[j] = featHist(h, f), cols[f]
			}
			gatherK(&hs, &qc, k, rows[lo:hi], og[lo:hi])
		}
	}
}

// buildHistsRowWise is buildHists on the row-major bins (force_row_wise):
// each row's bins are read once for every run of consecutive features.
func (l *learner) buildHistsRowWise(h []gradPair, rows []int32, og [][2]float32, feats []int) {
	n := len(rows)
	nf := len(l.data.cols)
	mat := l.data.rowMajorBins(l.threads)
	_ = mat[int(rows[n-1])*nf+nf-1]
	for i := 0; i < len(feats); {
		j := i + 1
		for j < len(feats) && feats[j] == feats[j-1]+1 {
			j++
		}
		accumulateRows(h, mat, nf, rows, og, feats[i], feats[j-1]+1)
		i = j
	}
}

// buildHistsContig is buildHists for the rows first..first+n-1, reading
// their bins and gradients in place (no row ids, no gathered copy), in the
// same cache blocks and groups of four features.
func (l *learner) buildHistsContig(h []gradPair, first, n int, feats []int) {
	for _, f := range feats {
		clear(featHist(h, f)[:])
	}
	gh := l.gh[first : first+n]
	cols := l.data.cols
	var hs [4]*[maxBins]gradPair
	var qc [4][]uint8
	for lo := 0; lo < n; lo += histBlockRows {
		hi := min(lo+histBlockRows, n)
		for q := 0; q < len(feats); q += 4 {
			k := min(4, len(feats)-q)
			for j, f := range feats[q : q+k] {
				hs[j], qc[j] = featHist(h, f), cols[f][first+lo:first+hi]
			}
			contigK(&hs, &qc, k, gh[lo:hi])
		}
	}
}

// gather1Go is the portable gather1.
func gather1Go(h *[maxBins]gradPair, col []uint8, rows []int32, og [][2]float32) {
	og = og[:len(rows)]
	for i, r := range rows {
		b := col[r]
		h[b][0] += float64(og[i][0])
		h[b][1] += float64(og[i][1])
	}
}

// gatherKGo is the portable gatherK.
func gatherKGo(hs *[4]*[maxBins]gradPair, cols *[4][]uint8, k int, rows []int32, og [][2]float32) {
	for j := range k {
		gather1Go(hs[j], cols[j], rows, og)
	}
}

// contig1Go is the portable contig1.
func contig1Go(h *[maxBins]gradPair, col []uint8, gh [][2]float32) {
	gh = gh[:len(col)]
	for i, b := range col {
		h[b][0] += float64(gh[i][0])
		h[b][1] += float64(gh[i][1])
	}
}

// contigKGo is the portable contigK.
func contigKGo(hs *[4]*[maxBins]gradPair, cols *[4][]uint8, k int, gh [][2]float32) {
	for j := range k {
		contig1Go(hs[j], cols[j][:len(gh)], gh)
	}
}

// accumulateRowsGo is the portable accumulateRows.
func accumulateRowsGo(h []gradPair, mat []uint8, nf int, rows []int32, og [][2]float32, f0, f1 int) {
	og = og[:len(rows)]
	for i, r := range rows {
		g := [2]float64{float64(og[i][0]), float64(og[i][1])}
		rb := mat[int(r)*nf+f0 : int(r)*nf+f1]
		for k, b := range rb {
			p := &h[(f0+k)*maxBins+int(b)]
			p[0] += g[0]
			p[1] += g[1]
		}
	}
}
