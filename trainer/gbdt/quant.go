package gbdt

import (
	"math"
	"unsafe"
)

// Quantized training (use_quantized_grad; Shi et al., "Quantized Training
// of Gradient Boosting Decision Trees", NeurIPS 2022; LightGBM's
// src/treelearner/gradient_discretizer.cpp and the integer split search of
// feature_histogram.hpp).
//
// Every iteration the float32 gradients and hessians are discretized to
// small integers: with B = num_grad_quant_bins, gradient g becomes
// trunc(g/sg ± u) (the sign of g; sg = max|g| / (B/2)) and hessian h
// becomes trunc(h/sh + u) (sh = max|h| / B), where u is uniform on [0, 1)
// with stochastic_rounding (the rounding is then unbiased) and 0.5 without.
// u comes from a hash of the seed, the iteration and the row, so the
// discretized values, and the model, do not depend on num_threads or on
// how rows are cut into chunks.
//
// A row's pair is packed into one integer, gradient high and hessian low:
// adding packed pairs adds both halves at once, because the hessian half
// never goes negative and never overflows (0 <= h <= B). A leaf whose rows
// sum to less than 2^16 in each half (count*B < 2^16) sums into int32 bins
// (int16 gradient | uint16 hessian), a larger one into int64 bins (int32 |
// uint32), the width LightGBM calls 16 or 32 bits; histogram subtraction
// widens the smaller child's bins, and narrows the larger child's in place
// when its count allows. The split search reads a histogram as gradient
// sum x sg and hessian sum x sh; leaf values come from those quantized sums
// unless quant_train_renew_leaf recomputes them from the float gradients
// (with the lambda_l2 the leaf had: see learner.renewLeaves).

// maxGradQuantBins bounds num_grad_quant_bins: LightGBM keeps a discretized
// hessian (at most num_grad_quant_bins) in an int8.
const maxGradQuantBins = 127

// narrowLimit: a leaf with count*bins below it sums into int32 bins.
const narrowLimit = 1 << 16

// quantizer holds the discretized gradients of one Train call.
type quantizer struct {
	bins       int
	stochastic bool
	seed       uint64
	gScale     float64               // gradient of one integer step
	hScale     float64               // hessian of one integer step
	q          []int64               // per training row: int32 gradient << 32 | uint32 hessian
	q16        []uint16              // per training row: q packed in 16 bits (pack16)
	maxs       [maxThreads][2]uint32 // per chunk of rows: largest |g|, |h| (float32 bits)
	total      int64                 // the sum of q over the rows discretize was given
}

// wide reports whether a leaf of count rows needs int64 bins.
func (z *quantizer) wide(count int) bool { return count*z.bins >= narrowLimit }

// unpack splits a packed int64 sum into its gradient and hessian integers.
func unpack(v int64) (g, h int64) { return v >> 32, int64(uint32(v)) }

// pack16 repacks a row's int64 pair in 16 bits, int8 gradient high and
// uint8 hessian low: |gradient| <= num_grad_quant_bins/2 and hessian <=
// num_grad_quant_bins <= maxGradQuantBins fit. The leaves below the root
// read their rows' pairs so (quantizer.q16): a sparse leaf reads one cache
// line per row for them, and 32 rows share a line instead of 8.
func pack16(v int64) uint16 { return uint16(uint8(int8(v>>32)))<<8 | uint16(uint8(v)) }

// unpack16 is the inverse of pack16.
func unpack16(p uint16) int64 { return int64(int8(p>>8))<<32 + int64(uint8(p)) }

// narrow repacks an int64 pair as an int32 pair; both sums must fit 16 bits.
func narrow(v int64) int32 { return int32(v>>32)<<16 + int32(uint32(v)) }

// widen is the inverse of narrow.
func widen(v int32) int64 { return int64(v>>16)<<32 + int64(uint16(v)) }

// floats converts a packed int64 sum into gradient and hessian sums.
func (z *quantizer) floats(v int64) (g, h float64) {
	gi, hi := unpack(v)
	return float64(gi) * z.gScale, float64(hi) * z.hScale
}

// splitmix64's finaliser (Steele, Lea, Flood: "Fast splittable
// pseudorandom number generators", OOPSLA 2014).
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// maxAbsBitsGo is the portable maxAbsBits: it returns m raised to the largest |gradient| and |hessian| of
// gh, as float32 bits: for non-negative floats the bits order as the values.
func maxAbsBitsGo(gh [][2]float32, m [2]uint32) [2]uint32 {
	for _, p := range gh {
		g := math.Float32bits(p[0]) &^ (1 << 31)
		h := math.Float32bits(p[1]) &^ (1 << 31)
		if g > m[0] {
			m[0] = g
		}
		if h > m[1] {
			m[1] = h
		}
	}
	return m
}

// chunkMax records the maxima of the team.rows chunk starting at lo (of
// n rows cut for threads, by rowChunk as team.rows cuts them).
func (z *quantizer) chunkMax(lo, n, threads int, m [2]uint32) {
	z.maxs[lo/max(rowChunk(n, threads), 1)] = m
}

// discretize quantizes gh (training rows 0..len(gh)-1) for iteration iter,
// with the scales from the chunk maxima gradients recorded (chunkMax), or
// from a pass of its own when findMax. Block by block, while a block's
// pairs are in cache, it sums them into total (the root's sum, when every
// training row is in the bag).
//
// block, when not nil, is called after each block of rows [lo, hi) is
// discretized, on the worker that discretized it, with the index c of the
// block's team.rows chunk (learner.fuseRoot: the root's histograms are
// summed there, while the block's pairs are in cache).
func (z *quantizer) discretize(gh [][2]float32, iter int, tm *team, findMax bool, block func(c, lo, hi int)) {
	threads := tm.size
	if findMax {
		clear(z.maxs[:])
		tm.rows(len(gh), func(lo, hi int) {
			z.chunkMax(lo, len(gh), threads, maxAbsBits(gh[lo:hi], [2]uint32{}))
		})
	}
	var mg, mh float64
	for i, m := range z.maxs[:threads] {
		mg, mh = max(mg, float64(math.Float32frombits(m[0]))), max(mh, float64(math.Float32frombits(m[1])))
		z.maxs[i] = [2]uint32{}
	}
	z.gScale = mg / float64(z.bins/2)
	z.hScale = mh / float64(z.bins)
	ig, ih := 0.0, 0.0 // every value is 0 when its maximum is
	if z.gScale > 0 {
		ig = 1 / z.gScale
	}
	if z.hScale > 0 {
		ih = 1 / z.hScale
	}
	key := mix64(z.seed ^ mix64(uint64(iter)+0x632be59bd9b4e019))
	q, q16 := z.q[:len(gh)], z.q16[:len(gh)]
	size := max(rowChunk(len(gh), threads), 1)
	var sums [maxThreads]int64
	tm.rows(len(gh), func(lo, hi int) {
		var s int64
		for blo := lo; blo < hi; blo += histBlockRows {
			bhi := min(blo+histBlockRows, hi)
			discretizeChunk(q[blo:bhi], q16[blo:bhi], gh[blo:bhi], key+uint64(blo+1)*rowStride, ig, ih, z.stochastic, int64(z.bins/2), int64(z.bins))
			for _, v := range q[blo:bhi] {
				s += v
			}
			if block != nil {
				block(lo/size, blo, bhi)
			}
		}
		sums[lo/size] = s
	})
	z.total = 0
	for _, s := range sums[:threads] {
		z.total += s
	}
}

// rowStride is the step between rows' hash inputs (2^64 / golden ratio).
const rowStride = 0x9e3779b97f4a7c15

// discretizeRows quantizes one chunk of rows: row i's uniforms come from
// mix64(h + i*rowStride), i.e. mix64(key + (row+1)*rowStride) for the
// row's index in the training rows, whatever the chunk. It is the portable
// discretizeChunk: each product and sum is rounded on its own (the float64
// conversions forbid fused multiply-adds), as in the amd64 kernel.
func discretizeRows(q []int64, q16 []uint16, gh [][2]float32, h uint64, ig, ih float64, stochastic bool, half, hmax int64) {
	q, q16 = q[:len(gh)], q16[:len(gh)]
	for i, p := range gh {
		ug, uh := 0.5, 0.5
		if stochastic {
			r := mix64(h)
			ug = float64(uint32(r>>32)) * 0x1p-32
			uh = float64(uint32(r)) * 0x1p-32
		}
		h += rowStride
		// away from zero by u: truncation then rounds g stochastically
		// (-0 gives -u, which truncates to 0 as +u does)
		g := float64(float64(p[0]) * ig)
		g += math.Copysign(ug, g)
		// clamped: g*ig may exceed bins/2 by an ulp (and u add one)
		gi := min(max(int64(g), -half), half)
		hi := min(int64(float64(float64(p[1])*ih)+uh), hmax)
		q[i] = gi<<32 + hi
		q16[i] = pack16(q[i])
	}
}

// qhist32 is the int32 view of feature f's bins in a leaf's int64 buffer:
// the first half of the feature's own 256 int64s, so narrowing one feature
// in place never touches another feature's bins.
func qhist32(h []int64, f int) *[maxBins]int32 {
	return (*[maxBins]int32)(unsafe.Pointer(&h[f*maxBins]))
}

func qhist64(h []int64, f int) *[maxBins]int64 {
	return (*[maxBins]int64)(h[f*maxBins : (f+1)*maxBins])
}

// rowsQGo is the portable rowsQ: it adds row r's pair (q16[r], pack16)
// to the bins of features f0..f1-1 (256 per feature in h, int32 bins in
// each feature's first half unless wide) of every row r of rows, reading
// the row-major bins mat (nf per row).
func rowsQGo(h []int64, mat []uint8, nf int, rows []int32, q16 []uint16, f0, f1 int, wide bool) {
	for _, r := range rows {
		v := unpack16(q16[r])
		bins := mat[int(r)*nf+f0 : int(r)*nf+f1]
		if wide {
			for k, b := range bins {
				qhist64(h, f0+k)[b] += v
			}
		} else {
			v32 := narrow(v)
			for k, b := range bins {
				qhist32(h, f0+k)[b] += v32
			}
		}
	}
}

// contigQGo is the portable contigQ.
func contigQGo(hs *[4]*[maxBins]int64, cols *[4][]uint8, k int, q []int64) {
	n := len(q)
	switch k {
	case 4:
		h0, h1, h2, h3 := hs[0], hs[1], hs[2], hs[3]
		c0, c1, c2, c3 := cols[0][:n], cols[1][:n], cols[2][:n], cols[3][:n]
		for i, v := range q {
			h0[c0[i]] += v
			h1[c1[i]] += v
			h2[c2[i]] += v
			h3[c3[i]] += v
		}
	case 3:
		h0, h1, h2 := hs[0], hs[1], hs[2]
		c0, c1, c2 := cols[0][:n], cols[1][:n], cols[2][:n]
		for i, v := range q {
			h0[c0[i]] += v
			h1[c1[i]] += v
			h2[c2[i]] += v
		}
	case 2:
		h0, h1 := hs[0], hs[1]
		c0, c1 := cols[0][:n], cols[1][:n]
		for i, v := range q {
			h0[c0[i]] += v
			h1[c1[i]] += v
		}
	case 1:
		h0, c0 := hs[0], cols[0][:n]
		for i, v := range q {
			h0[c0[i]] += v
		}
	}
}

// buildQHistsRows sets the bins of feats in h (int64 when wide, else
// int32: qhist32) to the sums of the packed pairs of rows (increasing),
// read from the row-major bins: a leaf's rows are spread over the whole
// table, so the columns would read every cache line of their span, one
// line per feature for a sparse leaf where the row-major bins take one or
// two for all of them. On fraud 1M (30 features; 800k rows, every
// step-th) the columns took 0.29, 0.32, 0.48 and 1.07 CPU ns an update at
// steps 2, 8, 32 and 128, with the gather of the leaf's pairs, the
// row-major bins 0.25 to 0.32 at every step.
func (l *learner) buildQHistsRows(h []int64, rows []int32, feats []int, wide bool) {
	for _, f := range feats {
		if wide {
			clear(qhist64(h, f)[:])
		} else {
			clear(qhist32(h, f)[:])
		}
	}
	if len(rows) == 0 {
		return
	}
	mat := l.data.rowMajorBins(l.threads)
	nf := len(l.data.cols)
	for i := 0; i < len(feats); {
		j := i + 1
		for j < len(feats) && feats[j] == feats[j-1]+1 {
			j++
		}
		rowsQ(h, mat, nf, rows, l.quant.q16, feats[i], feats[j-1]+1, wide)
		i = j
	}
}

// buildQHistsContig is buildQHistsRows (int64 bins) for the rows
// first..first+n-1, reading their columns and packed pairs in place.
func (l *learner) buildQHistsContig(h []int64, first, n int, feats []int) {
	for _, f := range feats {
		clear(qhist64(h, f)[:])
	}
	l.addQHistsContig(h, first, n, feats)
}

// addQHistsContig adds the rows first..first+n-1 to the int64 bins of
// feats in h.
func (l *learner) addQHistsContig(h []int64, first, n int, feats []int) {
	q := l.quant.q[first : first+n]
	cols := l.data.cols
	var hs [4]*[maxBins]int64
	var qc [4][]uint8
	for lo := 0; lo < n; lo += histBlockRows {
		hi := min(lo+histBlockRows, n)
		for g := 0; g < len(feats); g += 4 {
			k := min(4, len(feats)-g)
			for j, f := range feats[g : g+k] {
				hs[j], qc[j] = qhist64(h, f), cols[f][first+lo:first+hi]
			}
			contigQ(&hs, &qc, k, q[lo:hi])
		}
	}
}

// subtractQ turns feature f's bins in large (holding the parent's, of width
// parentWide) into the parent's minus small's (width smallWide), stored at
// width largeWide. Counts only shrink down the tree, so smallWide <=
// largeWide <= parentWide.
func subtractQ(large, small []int64, f, nb int, parentWide, largeWide, smallWide bool) {
	switch {
	case !parentWide:
		p, s := qhist32(large, f), qhist32(small, f)
		for b := range nb {
			p[b] -= s[b]
		}
	case largeWide && smallWide:
		p, s := qhist64(large, f), qhist64(small, f)
		for b := range nb {
			p[b] -= s[b]
		}
	case largeWide:
		p, s := qhist64(large, f), qhist32(small, f)
		for b := range nb {
			p[b] -= widen(s[b])
		}
	default:
		// Narrowing in place, forwards: int32 bin b overlaps int64 bin b/2,
		// which has been read already.
		p, s := qhist64(large, f), qhist32(small, f)
		p32 := qhist32(large, f)
		for b := range nb {
			p32[b] = narrow(p[b] - widen(s[b]))
		}
	}
}

// addQ adds feature f's first nb bins in src to those in dst, both int64
// when wide, else int32 (qhist32).
func addQ(dst, src []int64, f, nb int, wide bool) {
	if wide {
		d, s := qhist64(dst, f), qhist64(src, f)
		for b := range nb {
			d[b] += s[b]
		}
		return
	}
	d, s := qhist32(dst, f), qhist32(src, f)
	for b := range nb {
		d[b] += s[b]
	}
}

// toFloat writes feature f's quantized bins (nb of them) as gradient and
// hessian sums into out, for the split search.
func (z *quantizer) toFloat(h []int64, f, nb int, wide bool, out *[maxBins]gradPair) {
	gs, hs := z.gScale, z.hScale
	if wide {
		src := qhist64(h, f)
		for b := range nb {
			g, hh := unpack(src[b])
			out[b] = gradPair{float64(g) * gs, float64(hh) * hs}
		}
		return
	}
	src := qhist32(h, f)
	for b := range nb {
		v := src[b]
		out[b] = gradPair{float64(v>>16) * gs, float64(uint16(v)) * hs}
	}
}

// binSum is the packed sum of the bins of feature f in binLeft.
func binSum(h []int64, f, nb int, wide bool, binLeft *[4]uint64) int64 {
	var s int64
	for b := range nb {
		if binLeft[b>>6]>>(b&63)&1 == 1 {
			if wide {
				s += qhist64(h, f)[b]
			} else {
				s += widen(qhist32(h, f)[b])
			}
		}
	}
	return s
}
