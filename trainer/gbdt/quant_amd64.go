//go:build !purego

package gbdt

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The kernels are in quant_amd64.s.

//go:noescape
func qgather64x4(hs *[4]*[maxBins]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)

//go:noescape
func qgather64x3(hs *[4]*[maxBins]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)

//go:noescape
func qgather64x2(hs *[4]*[maxBins]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)

//go:noescape
func qgather64x1(hs *[4]*[maxBins]int64, cols *[4]*uint8, rows *int32, vals *int64, n int)

//go:noescape
func qgather32x4(hs *[4]*[maxBins]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)

//go:noescape
func qgather32x4p(hs *[4]*[maxBins]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)

// prefetchAhead is how many rows ahead qgather32x4p prefetches; a leaf
// holding fewer than 1 in sparseLeaf of the column's rows takes it
// (measured on 800k rows, random leaves, four features: 0.5% of the rows
// 0.77 -> 0.55 CPU ns an update, 2% 0.51 -> 0.47, 10% 0.25 -> 0.33).
const (
	prefetchAhead = 16
	sparseLeaf    = 32
)

//go:noescape
func qgather32x3(hs *[4]*[maxBins]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)

//go:noescape
func qgather32x2(hs *[4]*[maxBins]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)

//go:noescape
func qgather32x1(hs *[4]*[maxBins]int32, cols *[4]*uint8, rows *int32, vals *int32, n int)

//go:noescape
func qcontig64x4(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

//go:noescape
func qcontig64x3(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

//go:noescape
func qcontig64x2(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

//go:noescape
func qcontig64x1(hs *[4]*[maxBins]int64, cols *[4]*uint8, vals *int64, n int)

// gatherQ adds oq[i] to hs[j][cols[j][rows[i]]] for the first k (1..4)
// features. The caller guarantees every row id < len(cols[j]).
func gatherQ[T packedBin](hs *[4]*[maxBins]T, cols *[4][]uint8, k int, rows []int32, oq []T) {
	n := len(rows)
	if n == 0 {
		return
	}
	_ = oq[n-1]
	var p [4]*uint8
	for j := range k {
		p[j] = &cols[j][0]
	}
	switch any(oq).(type) {
	case []int64:
		h64 := (*[4]*[maxBins]int64)(unsafe.Pointer(hs))
		v := (*int64)(unsafe.Pointer(&oq[0]))
		switch k {
		case 4:
			qgather64x4(h64, &p, &rows[0], v, n)
		case 3:
			qgather64x3(h64, &p, &rows[0], v, n)
		case 2:
			qgather64x2(h64, &p, &rows[0], v, n)
		case 1:
			qgather64x1(h64, &p, &rows[0], v, n)
		}
	case []int32:
		h32 := (*[4]*[maxBins]int32)(unsafe.Pointer(hs))
		v := (*int32)(unsafe.Pointer(&oq[0]))
		switch k {
		case 4:
			if m := n - prefetchAhead; m > 0 && n*sparseLeaf < len(cols[0]) {
				qgather32x4p(h32, &p, &rows[0], v, m)
				qgather32x4(h32, &p, &rows[m], (*int32)(unsafe.Pointer(&oq[m])), prefetchAhead)
			} else {
				qgather32x4(h32, &p, &rows[0], v, n)
			}
		case 3:
			qgather32x3(h32, &p, &rows[0], v, n)
		case 2:
			qgather32x2(h32, &p, &rows[0], v, n)
		case 1:
			qgather32x1(h32, &p, &rows[0], v, n)
		}
	}
}

// contigQ is gatherQ for consecutive rows: cols[j] and q are the rows'
// bins and packed pairs, index for index.
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
func discretizeAVX512(q *int64, gh *[2]float32, n int, a *discretizeArgs)

// discretizeChunk is discretizeRows, eight rows at a time with AVX-512
// (F and DQ: 64-bit multiplies and float64/int64 conversions) when the CPU
// has it and the rounding is stochastic; the same bits either way.
func discretizeChunk(q []int64, gh [][2]float32, h uint64, ig, ih float64, stochastic bool, half, hmax int64) {
	n := len(gh)
	q = q[:n]
	if m := n &^ 7; m > 0 && stochastic && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ {
		stride := uint64(rowStride)
		a := discretizeArgs{ig: ig, ih: ih, half: half, hmax: hmax, step: 8 * stride}
		for j := range a.h {
			a.h[j] = h + uint64(j)*rowStride
		}
		discretizeAVX512(&q[0], &gh[0], m, &a)
		q, gh, h = q[m:], gh[m:], h+uint64(m)*rowStride
	}
	discretizeRows(q, gh, h, ig, ih, stochastic, half, hmax)
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
