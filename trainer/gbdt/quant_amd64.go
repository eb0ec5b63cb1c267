//go:build !purego

package gbdt

import "golang.org/x/sys/cpu"

// The kernels are in quant_amd64.s.

// prefetchAhead is how many rows ahead gather4PfAsm, qrows64 and qrows32
// prefetch. gather4PfAsm takes rows holding fewer than 1 in sparseLeaf of
// the rows they span (measured on 800k rows, random leaves, four features:
// 0.5% of the rows 0.77 -> 0.55 CPU ns an update, 2% 0.51 -> 0.47, 10%
// 0.25 -> 0.33).
const (
	prefetchAhead = 16
	sparseLeaf    = 32
)

// sparse reports whether rows (increasing, as a leaf's are) hold fewer
// than 1 in sparseLeaf of the row ids they span.
func sparse(rows []int32) bool {
	n := len(rows)
	return n > 0 && n*sparseLeaf < int(rows[n-1])-int(rows[0])+1
}

//go:noescape
func qcontig64x4(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

//go:noescape
func qcontig64x3(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

//go:noescape
func qcontig64x2(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

//go:noescape
func qcontig64x1(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

// contigQ adds q[i] to hs[j][cols[j][i]] for the first k (1..4) features
// and every i < len(q).
func contigQ(hs *[4]*[maxBins]int64, cols *[4][]uint8, k int, q []int64) {
	n := len(q)
	if n == 0 {
		return
	}
	var p [4]*uint8
	for j := range k {
		_ = cols[j][n-1]
		p[j] = &cols[j][0]
	}
	switch k {
	case 4:
		qcontig64x4(hs, &p, &q[0], n)
	case 3:
		qcontig64x3(hs, &p, &q[0], n)
	case 2:
		qcontig64x2(hs, &p, &q[0], n)
	case 1:
		qcontig64x1(hs, &p, &q[0], n)
	}
}

// discretizeArgs are discretizeAVX512's constants; the layout is read by
// offset in quant_amd64.s.
type discretizeArgs struct {
	h          [8]uint64 // hash inputs of the first 8 rows
	ig, ih     float64   // 1 / gradient step, 1 / hessian step
	half, hmax int64     // gradient clamp, hessian clamp
	step       uint64    // 8 * rowStride
}

//go:noescape
func discretizeAVX512(q *int64, q16 *uint16, gh *[2]float32, n int, a *discretizeArgs)

// discretizeChunk is discretizeRows, eight rows at a time with AVX-512
// (F and DQ: 64-bit multiplies and float64/int64 conversions) when the CPU
// has it and the rounding is stochastic; the same bits either way.
func discretizeChunk(q []int64, q16 []uint16, gh [][2]float32, h uint64, ig, ih float64, stochastic bool, half, hmax int64) {
	n := len(gh)
	q, q16 = q[:n], q16[:n]
	if m := n &^ 7; m > 0 && stochastic && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ {
		stride := uint64(rowStride)
		a := discretizeArgs{ig: ig, ih: ih, half: half, hmax: hmax, step: 8 * stride}
		for j := range a.h {
			a.h[j] = h + uint64(j)*rowStride
		}
		discretizeAVX512(&q[0], &q16[0], &gh[0], m, &a)
		q, q16, gh, h = q[m:], q16[m:], gh[m:], h+uint64(m)*rowStride
	}
	discretizeRows(q, q16, gh, h, ig, ih, stochastic, half, hmax)
}

//go:noescape
func maxAbsAVX512(gh *[2]float32, n int, m *[2]uint32)

// maxAbsBits is maxAbsBitsGo, eight rows at a time with AVX-512 where the
// CPU has it (unsigned maxima of the bits without their sign: the same
// result).
func maxAbsBits(gh [][2]float32, m [2]uint32) [2]uint32 {
	if k := len(gh) &^ 7; k > 0 && cpu.X86.HasAVX512F {
		maxAbsAVX512(&gh[0], k, &m)
		gh = gh[k:]
	}
	return maxAbsBitsGo(gh, m)
}

//go:noescape
func qrows64(h *int64, mat *uint8, stride, k int, rows *int32, q16 *uint16, n int)

//go:noescape
func qrows32(h *int64, mat *uint8, stride, k int, rows *int32, q16 *uint16, n int)

// rowsQ is rowsQGo with the qrows kernels, which prefetch prefetchAhead
// rows ahead: the last rows are added by rowsQGo. rows must be increasing.
func rowsQ(h []int64, mat []uint8, nf int, rows []int32, q16 []uint16, f0, f1 int, wide bool) {
	n := len(rows)
	m := n - prefetchAhead
	if m <= 0 || f1 <= f0 {
		rowsQGo(h, mat, nf, rows, q16, f0, f1, wide)
		return
	}
	// rows are increasing: the last bounds them all
	last := int(rows[n-1])
	_, _, _ = h[f1*maxBins-1], mat[last*nf+f1-1], q16[last]
	if rows[0] < 0 {
		panic("gbdt: rowsQ: negative row id")
	}
	if wide {
		qrows64(&h[f0*maxBins], &mat[f0], nf, f1-f0, &rows[0], &q16[0], m)
	} else {
		qrows32(&h[f0*maxBins], &mat[f0], nf, f1-f0, &rows[0], &q16[0], m)
	}
	rowsQGo(h, mat, nf, rows[m:], q16, f0, f1, wide)
}
