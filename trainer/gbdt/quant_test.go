package gbdt

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// quantInput is random packed gradient pairs as discretize makes them
// (|g| <= bins/2, 0 <= h <= bins) for the rows of a kernelInput.
func quantInput(rng *rand.Rand, rows, bins int) []int64 {
	q := make([]int64, rows)
	for i := range q {
		g := int64(rng.IntN(bins+1) - bins/2)
		h := int64(rng.IntN(bins + 1))
		q[i] = g<<32 + h
	}
	return q
}

// directSums sums the gradient and hessian integers of rows per bin of col.
func directSums(col []uint8, rows []int32, q []int64) (g, h [maxBins]int64) {
	for _, r := range rows {
		gi, hi := unpack(q[r])
		g[col[r]] += gi
		h[col[r]] += hi
	}
	return g, h
}

// TestQuantizedHistogramsEqualIntegerSums builds packed histograms of row
// sets straddling the int32/int64 bin width from the row-major bins
// (assembly on amd64), whole and as two chunks added up, and derives a
// larger sibling by subtraction at every combination of widths; every bin
// must decode to the exact integer sums. Then the kernels must give the
// portable loops' bins for every run of features and row counts around
// the prefetch distance.
func TestQuantizedHistogramsEqualIntegerSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const rowsN, nf, bins = 40000, 6, 4
	in := newKernelInput(rng, rowsN, nf)
	q := quantInput(rng, rowsN, bins)
	q16 := make([]uint16, rowsN)
	for i, v := range q {
		q16[i] = pack16(v)
	}
	z := &quantizer{bins: bins, q: q, q16: q16}
	data := &BinnedDataset{rows: rowsN, cols: in.cols, mappers: make([]binMapper, nf)}
	feats := []int{0, 1, 2, 3, 4, 5}
	l := &learner{data: data, quant: z}
	decode := func(h []int64, f int, wide bool) (g, hh [maxBins]int64) {
		for b := range maxBins {
			if wide {
				g[b], hh[b] = unpack(qhist64(h, f)[b])
			} else {
				v := widen(qhist32(h, f)[b])
				g[b], hh[b] = unpack(v)
			}
		}
		return g, hh
	}
	// build sums rows into fresh histograms, in two chunks when split
	// (as histAndSearchQ cuts a leaf for two workers)
	build := func(rows []int32, split bool) ([]int64, bool) {
		wide := z.wide(len(rows))
		h := make([]int64, nf*maxBins)
		if !split {
			l.buildQHistsRows(h, rows, feats, wide)
			return h, wide
		}
		p := make([]int64, nf*maxBins)
		for i := range p {
			p[i] = -1 // cleared by the build
		}
		l.buildQHistsRows(h, rows[:len(rows)/3], feats, wide)
		l.buildQHistsRows(p, rows[len(rows)/3:], feats, wide)
		for _, f := range feats {
			addQ(h, p, f, maxBins, wide)
		}
		return h, wide
	}
	pick := func(n int) []int32 {
		rows := make([]int32, 0, n)
		for r := range rowsN {
			if rng.IntN(rowsN) < n {
				rows = append(rows, int32(r))
			}
		}
		return rows
	}
	for _, sizes := range [][2]int{{400, 600}, {3000, 5000}, {3000, 30000}, {10000, 14000}, {20000, 20000}} {
		parentRows := pick(sizes[0] + sizes[1])
		var small, large []int32
		for _, r := range parentRows {
			if rng.IntN(sizes[0]+sizes[1]) < sizes[0] {
				small = append(small, r)
			} else {
				large = append(large, r)
			}
		}
		if len(small) > len(large) {
			small, large = large, small
		}
		for _, split := range []bool{false, true} {
			ph, pw := build(parentRows, split)
			sh, sw := build(small, split)
			lw := z.wide(len(large))
			for _, f := range feats {
				subtractQ(ph, sh, f, maxBins, pw, lw, sw)
			}
			for _, f := range feats {
				for _, c := range []struct {
					name string
					h    []int64
					wide bool
					rows []int32
				}{{"small", sh, sw, small}, {"large", ph, lw, large}} {
					g, h := decode(c.h, f, c.wide)
					wg, wh := directSums(in.cols[f], c.rows, q)
					if g != wg || h != wh {
						t.Fatalf("rows %v, in two chunks %v, %s leaf (%d rows, wide %v), feature %d: bins differ from the integer sums",
							sizes, split, c.name, len(c.rows), c.wide, f)
					}
				}
			}
		}
		// the contiguous kernels against the portable loops, k = 1..4
		// features at once
		for k := 1; k <= 4; k++ {
			var c64, d64 [4]*[maxBins]int64
			var ccols [4][]uint8
			for j := range k {
				c64[j], d64[j] = new([maxBins]int64), new([maxBins]int64)
				ccols[j] = in.cols[j+1][100:]
			}
			contigQ(&c64, &ccols, k, q[100:3100])
			contigQGo(&d64, &ccols, k, q[100:3100])
			for j := range k {
				if *c64[j] != *d64[j] {
					t.Fatalf("k=%d, feature %d: kernel bins differ from the portable loop", k, j)
				}
			}
		}
		// the row-major kernels against the portable loop: every run of
		// features f0..f1-1, both widths, row counts below, at and past
		// the prefetch distance, pairs of the most levels
		mat := data.rowMajorBins(1)
		wq16 := make([]uint16, rowsN)
		for i, v := range quantInput(rng, rowsN, maxGradQuantBins) {
			wq16[i] = pack16(v)
		}
		for _, n := range []int{1, 15, 16, 17, 33, len(small)} {
			rows := small[len(small)-n:]
			for f0 := range nf {
				for f1 := f0 + 1; f1 <= nf; f1++ {
					for _, wide := range []bool{false, true} {
						a, b := make([]int64, nf*maxBins), make([]int64, nf*maxBins)
						rowsQ(a, mat, nf, rows, wq16, f0, f1, wide)
						rowsQGo(b, mat, nf, rows, wq16, f0, f1, wide)
						if !slices.Equal(a, b) {
							t.Fatalf("%d rows, features %d..%d, wide %v: kernel bins differ from the portable loop", n, f0, f1-1, wide)
						}
					}
				}
			}
		}
	}
}

// TestPack16RoundTrips: every pair discretize can make, at the most
// levels, survives packing in 16 bits.
func TestPack16RoundTrips(t *testing.T) {
	const half = maxGradQuantBins / 2
	for g := int64(-half); g <= half; g++ {
		for h := int64(0); h <= maxGradQuantBins; h++ {
			if v := g<<32 + h; unpack16(pack16(v)) != v {
				t.Fatalf("gradient %d, hessian %d: unpacked as %d, %d", g, h, unpack16(pack16(v))>>32, uint32(unpack16(pack16(v))))
			}
		}
	}
}

// TestDiscretizeIsBoundedUnbiasedAndThreadFree discretizes real gradients:
// every value stays within the levels, stochastic rounding keeps the mean
// (within 4 standard errors), rounding to nearest is within half a step,
// and the result is the same at any thread count.
func TestDiscretizeIsBoundedUnbiasedAndThreadFree(t *testing.T) {
	const n = 200000
	rng := rand.New(rand.NewPCG(1, 2))
	gh := make([][2]float32, n)
	var sumG float64
	for i := range gh {
		score, label := rng.NormFloat64()*2, float64(rng.IntN(2))
		gh[i] = gradientRow(score, label, 1, 1)
		sumG += float64(gh[i][0])
	}
	for _, bins := range []int{2, 4, 16} {
		for _, stochastic := range []bool{true, false} {
			var first []int64
			for _, threads := range []int{1, 2, 3} {
				z := &quantizer{bins: bins, stochastic: stochastic, seed: 42, q: make([]int64, n), q16: make([]uint16, n)}
				tm := newTeam(threads)
				z.discretize(gh, 7, tm, true, nil)
				tm.close()
				if first == nil {
					first = z.q
					var qsum, sd float64
					for i, v := range z.q {
						g, h := unpack(v)
						if g < -int64(bins/2) || g > int64(bins/2) || h < 0 || h > int64(bins) {
							t.Fatalf("bins %d: row %d discretized to (%d, %d)", bins, i, g, h)
						}
						d := float64(g)*z.gScale - float64(gh[i][0])
						if !stochastic && math.Abs(d) > z.gScale/2*(1+1e-9) {
							t.Fatalf("bins %d, rounding to nearest: row %d off by %g, step %g", bins, i, d, z.gScale)
						}
						qsum += float64(g) * z.gScale
						sd += d * d
					}
					if se := math.Sqrt(sd); stochastic && math.Abs(qsum-sumG) > 4*se {
						t.Fatalf("bins %d: discretized gradient sum %g, exact %g (SE %g)", bins, qsum, sumG, se)
					}
					continue
				}
				for i := range first {
					if first[i] != z.q[i] {
						t.Fatalf("bins %d, stochastic %v: row %d differs at %d threads", bins, stochastic, i, threads)
					}
				}
			}
		}
	}
}

// hanleyMcNeilSE is the standard error of an AUC (Hanley and McNeil, 1982,
// Radiology 143:29-36) with npos positives and nneg negatives.
func hanleyMcNeilSE(auc float64, npos, nneg int) float64 {
	q1, q2 := auc/(2-auc), 2*auc*auc/(1+auc)
	v := (auc*(1-auc) + float64(npos-1)*(q1-auc*auc) + float64(nneg-1)*(q2-auc*auc)) / float64(npos*nneg)
	return math.Sqrt(v)
}

// TestQuantizedTrainingOnSharedData trains with use_quantized_grad on the
// shared sets: leaves must score the files exactly as we do, and the
// validation AUC must stay within one Hanley-McNeil standard error of the
// exact fit's (at XGBoost's regularisation, min_sum_hessian_in_leaf=1 and
// lambda_l2=1, where the exact fit itself is stable). quant_train_renew_leaf
// must change only leaf values.
func TestQuantizedTrainingOnSharedData(t *testing.T) {
	for _, s := range sharedSets[:3] {
		t.Run(filepath.Base(s.file), func(t *testing.T) {
			ds, y := loadShared(t, s)
			train, valid := splitRows(ds.Rows)
			p := DefaultParams()
			p.NumIterations, p.MinSumHessianInLeaf, p.LambdaL2 = 100, 1, 1
			exact := aucOfProba(t, trainOn(t, ds, y, p, train, valid), ds, y, valid)
			p.UseQuantizedGrad = true
			m := trainOn(t, ds, y, p, train, valid)
			validationAgrees(t, m, ds, valid)
			if worst, _ := leavesAgree(t, m, ds); worst > 1e-12 {
				t.Fatalf("leaves and own scoring differ by %g", worst)
			}
			quant := aucOfProba(t, m, ds, y, valid)
			npos := 0
			for _, r := range valid {
				npos += int(y[r])
			}
			se := hanleyMcNeilSE(exact, npos, len(valid)-npos)
			t.Logf("validation AUC exact %.4f, quantized %.4f, Hanley-McNeil SE %.4f", exact, quant, se)
			if quant < exact-se {
				t.Fatalf("quantized AUC %.4f more than one SE (%.4f) below the exact fit's %.4f", quant, se, exact)
			}
			p.QuantTrainRenewLeaf = true
			r := trainOn(t, ds, y, p, train, valid)
			if len(r.trees) != len(m.trees) {
				t.Fatalf("quant_train_renew_leaf: %d trees, without it %d", len(r.trees), len(m.trees))
			}
			// the first tree is grown on the same gradients: same splits
			a, b := m.trees[0], r.trees[0]
			if !slicesEqual(a.splitFeature, b.splitFeature) || !slicesEqual(a.threshold, b.threshold) {
				t.Fatal("quant_train_renew_leaf changed the first tree's splits")
			}
			if slicesEqual(a.leafValue, b.leafValue) {
				t.Fatal("quant_train_renew_leaf left the first tree's leaf values as they were")
			}
		})
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestQuantizedParamsChangeTheModel: use_quantized_grad, its bins and the
// rounding each reach the model file.
func TestQuantizedParamsChangeTheModel(t *testing.T) {
	ds, y := synthetic(20000, 21)
	p := DefaultParams()
	p.NumIterations = 5
	var texts [][]byte
	for _, set := range []func(*Params){
		func(*Params) {},
		func(p *Params) { p.UseQuantizedGrad = true },
		func(p *Params) { p.UseQuantizedGrad, p.NumGradQuantBins = true, 16 },
		func(p *Params) { p.UseQuantizedGrad, p.StochasticRounding = true, false },
	} {
		q := p
		set(&q)
		_, text := leavesAgree(t, trainOn(t, ds, y, q, nil, nil), ds)
		for i, prev := range texts {
			if bytes.Equal(prev, text) {
				t.Fatalf("setting %d gave the same model as setting %d", len(texts), i)
			}
		}
		texts = append(texts, text)
	}
}

// TestRenewedLeavesUseTheExactGradients: with quant_train_renew_leaf the
// first tree's leaf values are the exact (float) gradient sums of each
// leaf's rows at the init score, as LightGBM's RenewIntGradTreeOutput,
// with lambda_l2 + cat_l2 below a (40-category, many-vs-many) categorical
// split, as the exact fit's outputs.
func TestRenewedLeavesUseTheExactGradients(t *testing.T) {
	ds, y := synthetic(30000, 23)
	p := DefaultParams()
	p.NumIterations, p.UseQuantizedGrad, p.QuantTrainRenewLeaf, p.LambdaL2 = 1, true, true, 0.5
	bd, err := NewBinnedDataset(context.Background(), ds, p.MaxBin)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(context.Background(), p, Data{Binned: bd, Labels: y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	for _, v := range y {
		pos += int(v)
	}
	avg := float64(pos) / float64(len(y))
	init0 := math.Log(avg / (1 - avg))
	tr := m.trees[0]
	g := make([]float64, tr.numLeaves)
	h := make([]float64, tr.numLeaves)
	for r := range y {
		k := tr.leafOfBinned(bd.cols, r)
		gh := gradientRow(init0, y[r], 1, 1)
		g[k] += float64(gh[0])
		h[k] += float64(gh[1])
	}
	l2 := make([]float64, tr.numLeaves)
	cats := 0
	for node := range tr.numLeaves - 1 {
		for _, child := range []int{tr.left[node], tr.right[node]} {
			if child < 0 {
				l2[^child] = p.LambdaL2
				if tr.decisionType[node]&dtCategorical != 0 {
					l2[^child] += p.CatL2
					cats++
				}
			}
		}
	}
	if cats == 0 {
		t.Fatalf("no leaf below a categorical split: the test checks cat_l2 on nothing")
	}
	for k := range tr.numLeaves {
		want := leafOutput(g[k], h[k], p.LambdaL1, l2[k])*p.LearningRate + init0
		if d := math.Abs(tr.leafValue[k] - want); d > 1e-12 {
			t.Fatalf("leaf %d: value %v, exact gradients give %v", k, tr.leafValue[k], want)
		}
	}
}

// TestDiscretizeKernelMatchesGo: discretizeChunk (the AVX-512 kernel where
// the CPU has it) gives discretizeRows' bits, the 16-bit pairs too, on real gradients and on
// edge values (signed zeros, values a step apart, the largest), for chunk
// lengths around the kernel's 8 rows, any hash start, a zero scale.
func TestDiscretizeKernelMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	edge := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5, 0.25, 1e-30, -1e-30, 0.999999, -0.999999}
	gh := make([][2]float32, 1037)
	for i := range gh {
		if i < len(edge)*len(edge) {
			gh[i] = [2]float32{edge[i%len(edge)], float32(math.Abs(float64(edge[i/len(edge)])))}
			continue
		}
		gh[i] = gradientRow(rng.NormFloat64()*3, float64(rng.IntN(2)), 1, 1+rng.Float64())
	}
	for _, bins := range []int{2, 4, 16, 127} {
		for _, scale := range [][2]float64{{1, 0.25}, {0.7, 0.19}, {0, 0}} {
			ig, ih := 0.0, 0.0
			if scale[0] > 0 {
				ig, ih = float64(bins/2)/scale[0], float64(bins)/scale[1]
			}
			for _, n := range []int{0, 1, 7, 8, 9, 16, 23, len(gh)} {
				h := rng.Uint64()
				want, got := make([]int64, n), make([]int64, n)
				want16, got16 := make([]uint16, n), make([]uint16, n)
				discretizeRows(want, want16, gh[:n], h, ig, ih, true, int64(bins/2), int64(bins))
				discretizeChunk(got, got16, gh[:n], h, ig, ih, true, int64(bins/2), int64(bins))
				for i := range want {
					if want16[i] != pack16(want[i]) || got16[i] != want16[i] {
						t.Fatalf("bins %d, scale %v, n %d: row %d: 16-bit pairs %#x (kernel), %#x (Go), want %#x", bins, scale, n, i, got16[i], want16[i], pack16(want[i]))
					}
					if got[i] != want[i] {
						g, hh := unpack(got[i])
						wg, wh := unpack(want[i])
						t.Fatalf("bins %d, scale %v, n %d: row %d (%v) gives (%d, %d), want (%d, %d)", bins, scale, n, i, gh[i], g, hh, wg, wh)
					}
				}
			}
		}
	}
}

// TestQuantizedCategoricalLeavesAddCatL2: after a many-vs-many categorical
// split the children's outputs are regularised with lambda_l2 + cat_l2, in
// quantized training as in exact training and in LightGBM's integer search.
// (The quantized path recomputed them with lambda_l2 alone: leaves of
// high-cardinality categories overfit, click 1M lost 0.013 AUC against the
// exact fit instead of LightGBM's 0.0075.) Leaves renewed from the float
// gradients (quant_train_renew_leaf) keep cat_l2 too, where LightGBM's
// RenewIntGradTreeOutput drops it. With a huge cat_l2 the outputs all but
// vanish.
func TestQuantizedCategoricalLeavesAddCatL2(t *testing.T) {
	for _, mode := range []struct{ quant, renew bool }{{false, false}, {true, false}, {true, true}} {
		p := DefaultParams()
		p.UseQuantizedGrad, p.QuantTrainRenewLeaf, p.CatL2 = mode.quant, mode.renew, 1e9
		quant := fmt.Sprintf("%v, quant_train_renew_leaf=%v", mode.quant, mode.renew)
		tr, _, y := categoricalStump(t, p)
		pos := 0
		for _, v := range y {
			pos += int(v)
		}
		init0 := math.Log(float64(pos) / float64(len(y)-pos)) // boost_from_average, carried by tree 0
		for k := range tr.numLeaves {
			if d := math.Abs(tr.leafValue[k] - init0); d > 1e-6 {
				t.Errorf("use_quantized_grad=%s: leaf %d is %g from the init score with cat_l2 = 1e9", quant, k, d)
			}
		}
	}
}

// TestMaxAbsKernelMatchesGo: maxAbsBits (AVX-512 where the CPU has it)
// finds maxAbsBitsGo's largest |gradient| and |hessian| bits, for any
// length and a running maximum that is or is not already the largest.
func TestMaxAbsKernelMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	gh := make([][2]float32, 300)
	for i := range gh {
		gh[i] = [2]float32{float32(rng.NormFloat64()), float32(rng.ExpFloat64()) * float32(1-2*rng.IntN(2))}
	}
	gh[211] = [2]float32{-7, 0.5}   // the largest |gradient| is negative
	gh[97] = [2]float32{0.1, -9.25} // and the largest |hessian|
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 98, 212, len(gh)} {
		for _, m0 := range [][2]uint32{{}, {math.Float32bits(100), math.Float32bits(1)}, {math.Float32bits(1), math.Float32bits(100)}} {
			if got, want := maxAbsBits(gh[:n], m0), maxAbsBitsGo(gh[:n], m0); got != want {
				t.Fatalf("n %d, m %v: %v, want %v", n, m0, got, want)
			}
		}
	}
}

// TestFusedRootHistogramsEqualIntegerSums sums the root's histograms as
// discretize goes (fuseRoot), at several thread counts, the chunks added
// up as histAndSearchQ does: every active feature's bins must decode to
// the exact integer sums of the discretized pairs, and the sum of all
// pairs must be their total.
func TestFusedRootHistogramsEqualIntegerSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const rowsN, nf = 40000, 7
	in := newKernelInput(rng, rowsN, nf)
	all := make([]int32, rowsN)
	for i := range all {
		all[i] = int32(i)
	}
	active := []int{0, 2, 3, 4, 6} // not every feature, not all consecutive
	for _, bins := range []int{4, 16} {
		for _, threads := range []int{1, 2, 3} {
			tm := newTeam(threads)
			z := &quantizer{bins: bins, stochastic: true, seed: 3, q: make([]int64, rowsN), q16: make([]uint16, rowsN)}
			l := &learner{data: &BinnedDataset{rows: rowsN, cols: in.cols, mappers: make([]binMapper, nf)},
				quant: z, threads: tm.size, team: tm, active: active, qhists: [][]int64{make([]int64, nf*maxBins)}}
			for range threads - 1 {
				p := make([]int64, nf*maxBins)
				for i := range p {
					p[i] = -1 // cleared by the sums
				}
				l.qpriv = append(l.qpriv, p)
			}
			z.discretize(in.gh, 5, tm, true, l.fuseRoot(rowsN))
			tm.close()
			if want := threads; l.rootChunks != want {
				t.Fatalf("bins %d, %d threads: %d chunks, want %d", bins, threads, l.rootChunks, want)
			}
			h := l.qhists[0]
			var total int64
			for _, v := range z.q {
				total += v
			}
			if z.total != total {
				t.Fatalf("bins %d, %d threads: total %d, the pairs sum to %d", bins, threads, z.total, total)
			}
			for _, f := range active {
				for _, p := range l.qpriv[:l.rootChunks-1] {
					addQ(h, p, f, maxBins, true)
				}
				g, hh := directSums(in.cols[f], all, z.q)
				for b := range maxBins {
					if gi, hi := unpack(qhist64(h, f)[b]); gi != g[b] || hi != hh[b] {
						t.Fatalf("bins %d, %d threads: feature %d bin %d: (%d, %d), want (%d, %d)", bins, threads, f, b, gi, hi, g[b], hh[b])
					}
				}
			}
		}
	}
}
