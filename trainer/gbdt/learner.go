package gbdt

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// gradPair is one histogram bin: sum of gradients and sum of hessians.
type gradPair [2]float64

// parallelMinWork is the rows x features below which a histogram is built on
// one goroutine: starting goroutines costs more than it saves.
const parallelMinWork = 1 << 15

// learner grows one tree at a time on a BinnedDataset. It owns every buffer
// the hot loops use, sized once per Train call, so growing a tree allocates
// nothing per node or row (LightGBM's SerialTreeLearner plays this role).
type learner struct {
	p       Params
	data    *BinnedDataset
	threads int
	team    *team // runs the parallel sections (Train's)
	active  []int // features this tree may split on, increasing
	rowWise bool  // build histograms from the row-major bins

	gh      [][2]float32 // per dataset row: gradient, hessian
	idx     []int32      // rows of the current bag, partitioned by leaf
	tmp     []int32      // partition buffer for the right side
	leafOf  []uint8      // per dataset row: its leaf in the last tree (updateScores)
	ordered [][2]float32 // gradients of the leaf being built, in idx order

	hists      [][]gradPair // per leaf id: 256 bins per feature (nil until needed)
	leafBegin  []int
	leafCount  []int
	leafDepth  []int
	leafParent []int // internal node above the leaf, -1 for the root
	leafIsLeft []bool
	leafG      []float64
	leafH      []float64
	leafOut    []float64
	leafL2     []float64 // the lambda_l2 of leafOut (cat_l2 added below a many-vs-many categorical split)
	best       []split

	candSmall, candLarge []split // per feature
	scratch              []*splitScratch
	partNL, partAt       []int // partition: per chunk, rows going left and where its rights go

	// quantized training (quant.go); nil quant: float histograms
	quant      *quantizer
	qhists     [][]int64 // per leaf id: 256 packed bins per feature
	leafQ      []int64   // per leaf: packed gradient and hessian sums
	leafWide   []bool    // per leaf: its histogram has int64 bins
	qpriv      [][]int64 // per chunk of a leaf's rows after the first: its own histograms (histAndSearchQ)
	renewOrder []int     // leaves, largest first (renewLeaves)

	leafOfMarked bool // renewLeaves wrote leafOf for the last tree's leaves
	rootChunks   int  // > 0: the root's histograms are summed (fuseRoot), in this many chunks
}

func newLearner(p Params, data *BinnedDataset, maxRows int, tm *team) *learner {
	nf := len(data.mappers)
	L := p.NumLeaves
	threads := tm.size
	l := &learner{
		p: p, data: data, threads: threads, team: tm, rowWise: p.ForceRowWise,
		gh:         make([][2]float32, data.rows),
		idx:        make([]int32, maxRows),
		tmp:        make([]int32, maxRows),
		leafOf:     make([]uint8, data.rows),
		leafBegin:  make([]int, L),
		leafCount:  make([]int, L),
		leafDepth:  make([]int, L),
		leafParent: make([]int, L),
		leafIsLeft: make([]bool, L),
		leafG:      make([]float64, L),
		leafH:      make([]float64, L),
		leafOut:    make([]float64, L),
		leafL2:     make([]float64, L),
		best:       make([]split, L),
		candSmall:  make([]split, nf),
		candLarge:  make([]split, nf),
		partNL:     make([]int, threads),
		partAt:     make([]int, threads),
	}
	// Histograms are allocated as leaves appear (split), so a large
	// num_leaves costs memory only for the leaves trees really grow.
	if p.UseQuantizedGrad {
		l.quant = &quantizer{bins: p.NumGradQuantBins, stochastic: p.StochasticRounding,
			seed: uint64(p.Seed), q: make([]int64, data.rows), q16: make([]uint16, data.rows)}
		l.qhists = make([][]int64, L)
		l.qhists[0] = make([]int64, nf*maxBins)
		l.leafQ = make([]int64, L)
		l.leafWide = make([]bool, L)
		for range threads - 1 {
			l.qpriv = append(l.qpriv, make([]int64, nf*maxBins))
		}
		data.rowMajorBins(threads) // now, on every thread, not in a tree's first leaf
		l.renewOrder = make([]int, 0, L)
	} else {
		l.ordered = make([][2]float32, maxRows)
		l.hists = make([][]gradPair, L)
		l.hists[0] = make([]gradPair, nf*maxBins)
	}
	for range threads {
		l.scratch = append(l.scratch, newSplitScratch())
	}
	return l
}

func (l *learner) canSplit(leaf int) bool {
	n := l.leafCount[leaf]
	if n < 2 || n < 2*l.p.MinDataInLeaf {
		return false
	}
	return l.p.MaxDepth <= 0 || l.leafDepth[leaf] < l.p.MaxDepth
}

// grow grows a tree on the rows of bag (leaf-wise: always split the leaf
// with the largest gain) and returns it with unshrunk leaf outputs; all
// says bag holds every training row (no bagging). After it returns,
// idx[leafBegin[k]:leafBegin[k]+leafCount[k]] are leaf k's rows.
func (l *learner) grow(bag []int32, all bool) *tree {
	p := &l.p
	t := newTree(p.NumLeaves)
	n := len(bag)
	l.leafOfMarked = false
	sum := l.takeBag(bag, all)
	var g, h float64
	if z := l.quant; z != nil {
		l.leafQ[0], l.leafWide[0] = sum, z.wide(n)
		g, h = z.floats(sum)
	} else {
		for _, r := range bag {
			g += float64(l.gh[r][0])
			h += float64(l.gh[r][1])
		}
	}
	l.leafBegin[0], l.leafCount[0], l.leafDepth[0], l.leafParent[0] = 0, n, 0, -1
	l.leafG[0], l.leafH[0] = g, h
	l.leafOut[0] = leafOutput(g, h, p.LambdaL1, p.LambdaL2)
	l.leafL2[0] = p.LambdaL2
	l.best[0] = noSplit()
	if l.canSplit(0) && len(l.active) > 0 {
		if l.quant != nil {
			l.histAndSearchQ(0, -1, true, false, false)
		} else {
			l.histAndSearch(0, -1, true, false)
		}
	}
	l.rootChunks = 0
	for t.numLeaves < p.NumLeaves {
		leaf := -1
		for k := 0; k < t.numLeaves; k++ {
			if l.best[k].feature >= 0 && (leaf < 0 || l.best[k].gain > l.best[leaf].gain) {
				leaf = k
			}
		}
		if leaf < 0 {
			break
		}
		l.split(t, leaf)
	}
	for k := 0; k < t.numLeaves; k++ {
		t.leafValue[k] = l.leafOut[k]
		t.leafWeight[k] = l.leafH[k]
		t.leafCount[k] = l.leafCount[k]
	}
	if l.quant != nil && p.QuantTrainRenewLeaf {
		l.renewLeaves(t)
	}
	return t
}

// takeBag copies bag's rows into idx (the root's rows), one chunk per
// thread (the copy of 800k row ids was one core's work before every tree),
// and with quantized training returns the sum of their packed pairs: the
// one discretize took when the bag is all the rows (all), else taken in
// the same pass (integer sums do not depend on the order).
func (l *learner) takeBag(bag []int32, all bool) int64 {
	var q []int64
	if l.quant != nil && !all {
		q = l.quant.q
	}
	idx := l.idx
	var sums [maxThreads]int64
	size := max((len(bag)+l.threads-1)/l.threads, 1)
	l.team.rows(len(bag), func(lo, hi int) {
		rows := idx[lo:hi]
		copy(rows, bag[lo:hi])
		if q == nil {
			return
		}
		var s int64
		for _, r := range rows {
			s += q[r]
		}
		sums[lo/size] = s
	})
	if l.quant != nil && all {
		return l.quant.total
	}
	var sum int64
	for _, s := range sums[:l.threads] {
		sum += s
	}
	return sum
}

// split applies best[leaf]: the left child keeps the leaf id, the right
// child gets the next id, as in LightGBM's Tree::Split. It records the
// node in t, partitions the leaf's rows, sets both children's sums and
// outputs, and builds and searches their histograms.
func (l *learner) split(t *tree, leaf int) {
	s := l.best[leaf] // a copy: setChildren resets best[leaf]
	m := &l.data.mappers[s.feature]
	node, newLeaf := l.addNode(t, leaf, &s, m)
	begin, count := l.leafBegin[leaf], l.leafCount[leaf]
	var leftQ int64
	parentWide := false
	if l.quant != nil {
		// the children's sums are exact integer sums of the leaf's bins
		parentWide = l.leafWide[leaf]
		leftQ = binSum(l.qhists[leaf], s.feature, m.numBins, parentWide, &s.binLeft)
	}
	nLeft := l.partition(begin, count, s.feature, &s.binLeft)
	l.setChildren(leaf, newLeaf, node, s, nLeft, count-nLeft, leftQ)
	if t.numLeaves == l.p.NumLeaves {
		return
	}
	l.searchChildren(leaf, newLeaf, nLeft, count-nLeft, parentWide)
}

// addNode records split s of leaf (feature mapper m) as t's next internal
// node, with a new leaf for its right child, and links the node to the
// leaf's parent. It returns the node and the new leaf.
func (l *learner) addNode(t *tree, leaf int, s *split, m *binMapper) (node, newLeaf int) {
	node, newLeaf = t.numLeaves-1, t.numLeaves
	t.numLeaves++
	t.leafValue = append(t.leafValue, 0)
	t.leafWeight = append(t.leafWeight, 0)
	t.leafCount = append(t.leafCount, 0)

	t.splitFeature = append(t.splitFeature, s.feature)
	t.splitGain = append(t.splitGain, s.gain)
	if s.cat {
		t.threshold = append(t.threshold, float64(len(t.catBoundaries)-min(len(t.catBoundaries), 1)))
		t.decisionType = append(t.decisionType, dtCategorical|dtMissingNaN)
		t.addCategorySet(m, &s.binLeft)
	} else {
		t.threshold = append(t.threshold, m.upper[s.thr])
		dt := int8(dtDefaultLeft) // missing type None: LightGBM writes 2
		if m.hasNaN {
			dt = dtMissingNaN
			if s.defaultLeft {
				dt |= dtDefaultLeft
			}
		}
		t.decisionType = append(t.decisionType, dt)
	}
	t.left = append(t.left, ^leaf)
	t.right = append(t.right, ^newLeaf)
	t.internalValue = append(t.internalValue, l.leafOut[leaf])
	t.internalWeight = append(t.internalWeight, l.leafH[leaf])
	t.internalCount = append(t.internalCount, l.leafCount[leaf])
	t.binLeft = append(t.binLeft, s.binLeft)
	if par := l.leafParent[leaf]; par >= 0 {
		if l.leafIsLeft[leaf] {
			t.left[par] = node
		} else {
			t.right[par] = node
		}
	}
	return node, newLeaf
}

// setChildren sets the bookkeeping of leaf's two children after split s
// (leaf keeps the left nLeft rows, newLeaf gets the right nRight):
// rows, depth, parent, sums and outputs. With quantized gradients the sums
// are the exact integer ones (leftQ, the left child's), and the outputs
// are taken from them.
func (l *learner) setChildren(leaf, newLeaf, node int, s split, nLeft, nRight int, leftQ int64) {
	depth := l.leafDepth[leaf] + 1
	l.leafCount[leaf] = nLeft
	l.leafBegin[newLeaf], l.leafCount[newLeaf] = l.leafBegin[leaf]+nLeft, nRight
	l.leafDepth[leaf], l.leafDepth[newLeaf] = depth, depth
	l.leafParent[leaf], l.leafParent[newLeaf] = node, node
	l.leafIsLeft[leaf], l.leafIsLeft[newLeaf] = true, false
	l.leafG[leaf], l.leafH[leaf], l.leafOut[leaf] = s.leftG, s.leftH, s.leftOut
	l.leafG[newLeaf], l.leafH[newLeaf], l.leafOut[newLeaf] = s.rightG, s.rightH, s.rightOut
	l.leafL2[leaf], l.leafL2[newLeaf] = s.l2, s.l2
	l.best[leaf], l.best[newLeaf] = noSplit(), noSplit()
	if z := l.quant; z != nil {
		rightQ := l.leafQ[leaf] - leftQ
		l.leafQ[leaf], l.leafQ[newLeaf] = leftQ, rightQ
		l.leafWide[leaf], l.leafWide[newLeaf] = z.wide(nLeft), z.wide(nRight)
		l.leafG[leaf], l.leafH[leaf] = z.floats(leftQ)
		l.leafG[newLeaf], l.leafH[newLeaf] = z.floats(rightQ)
		// with the split's own lambda_l2: a many-vs-many categorical
		// split's outputs add cat_l2, as LightGBM's integer search does
		// (FindBestThresholdCategoricalIntInner)
		l.leafOut[leaf] = leafOutput(l.leafG[leaf], l.leafH[leaf], l.p.LambdaL1, s.l2)
		l.leafOut[newLeaf] = leafOutput(l.leafG[newLeaf], l.leafH[newLeaf], l.p.LambdaL1, s.l2)
	}
}

// searchChildren finds the best splits of the children leaf (nLeft rows)
// and newLeaf (nRight) that may split: it builds the smaller child's
// histograms and takes the larger one's as the parent's minus them, in the
// parent's buffer (histogram subtraction; parentWide: the parent's
// quantized bins are int64).
func (l *learner) searchChildren(leaf, newLeaf, nLeft, nRight int, parentWide bool) {
	canL, canR := l.canSplit(leaf), l.canSplit(newLeaf)
	if !canL && !canR {
		return
	}
	small, large := leaf, newLeaf
	canSmall, canLarge := canL, canR
	if nLeft > nRight {
		small, large = newLeaf, leaf
		canSmall, canLarge = canR, canL
	}
	if l.quant != nil {
		if l.qhists[newLeaf] == nil {
			l.qhists[newLeaf] = make([]int64, len(l.qhists[0]))
		}
		parentBuf := l.qhists[leaf]
		l.qhists[small], l.qhists[large] = l.qhists[newLeaf], parentBuf
		if !canLarge {
			large = -1
		}
		l.histAndSearchQ(small, large, canSmall, canLarge, parentWide)
		return
	}
	if l.hists[newLeaf] == nil {
		l.hists[newLeaf] = make([]gradPair, len(l.hists[0]))
	}
	parentBuf := l.hists[leaf]
	l.hists[small], l.hists[large] = l.hists[newLeaf], parentBuf
	if !canLarge {
		large = -1
	}
	l.histAndSearch(small, large, canSmall, canLarge)
}

// addCategorySet appends the bitset of category codes in the bins of
// binLeft (LightGBM's cat_threshold words) and its boundary.
func (t *tree) addCategorySet(m *binMapper, binLeft *[4]uint64) {
	if len(t.catBoundaries) == 0 {
		t.catBoundaries = append(t.catBoundaries, 0)
	}
	maxCode := 0
	for b := 1; b < m.numBins; b++ {
		if binLeft[b>>6]>>(b&63)&1 == 1 {
			maxCode = max(maxCode, m.cats[b])
		}
	}
	start := len(t.catThreshold)
	for range maxCode/32 + 1 {
		t.catThreshold = append(t.catThreshold, 0)
	}
	for b := 1; b < m.numBins; b++ {
		if binLeft[b>>6]>>(b&63)&1 == 1 {
			c := m.cats[b]
			t.catThreshold[start+c/32] |= 1 << (uint(c) % 32)
		}
	}
	t.catBoundaries = append(t.catBoundaries, len(t.catThreshold))
}

// partitionParallelRows is the leaf size from which a partition is cut into
// one chunk per thread (below it, starting goroutines costs more than the
// second core saves).
const partitionParallelRows = 1 << 14

// partition reorders idx[begin:begin+count] so rows going left come first,
// keeping the order within each side (rows stay increasing, so histogram
// loops read the bin columns forwards). Returns the number going left.
// Large leaves are cut into one chunk per thread; each chunk is partitioned
// on its own and the pieces are then joined in chunk order, which gives the
// same result as one pass.
func (l *learner) partition(begin, count, f int, binLeft *[4]uint64) int {
	rows := l.idx[begin : begin+count]
	tmp := l.tmp[:count]
	col := l.data.cols[f]
	var left [maxBins]uint8 // 1 for the bins that go left
	for b := range left {
		left[b] = uint8(binLeft[b>>6] >> (b & 63) & 1)
	}
	chunks := 1
	if count >= partitionParallelRows {
		chunks = l.threads
	}
	size := (count + chunks - 1) / chunks
	nls, rightAt := l.partNL[:chunks], l.partAt[:chunks]
	l.team.chunks(count, size, func(lo, hi int) {
		nls[lo/size] = partitionChunk(rows[lo:hi], tmp[lo:hi], col, &left, binLeft)
	})
	if chunks == 2 && count > size {
		return l.joinTwo(rows, tmp, size, nls[0], nls[1])
	}
	// Join: the lefts of every chunk, in order (one after the other: a
	// chunk's lefts may move over the previous chunk's), then the rights of
	// every chunk from tmp, each chunk's to its own place, in parallel.
	nl := nls[0]
	for c := 1; c*size < count; c++ {
		lo := c * size
		copy(rows[nl:], rows[lo:lo+nls[c]])
		nl += nls[c]
	}
	at := nl
	for c := 0; c*size < count; c++ {
		rightAt[c] = at
		at += min(size, count-c*size) - nls[c]
	}
	l.team.chunks(count, size, func(lo, hi int) {
		c := lo / size
		copy(rows[rightAt[c]:], tmp[lo:hi-nls[c]])
	})
	return nl
}

// joinTwo is partition's join of two chunks (two threads) in one section,
// with no serial move: rows holds chunk 0's nl0 lefts at 0 and chunk 1's
// nl1 lefts at size, tmp their rights at 0 and at size. The result has
// the lefts from 0 and from nl0, the rights from nl = nl0+nl1 and from
// nl+nr0. Only chunk 0's rights
// can land on chunk 1's lefts before they have moved (when nl+nr0 > size),
// so worker 1 moves those lefts and then writes that part of chunk 0's
// rights, while worker 0 writes the rest of the rights, all below size or
// past size+nl1: the two write disjoint rows and neither writes what the
// other reads.
func (l *learner) joinTwo(rows, tmp []int32, size, nl0, nl1 int) int {
	nl := nl0 + nl1
	nr0 := size - nl0
	cut := max(size-nl, 0) // chunk 0's rights that land below size
	l.team.onEach(2, func(w, workers int) {
		if w == 0 {
			copy(rows[nl:nl+cut], tmp[:cut])
			copy(rows[size+nl1:], tmp[size:len(rows)-nl1]) // chunk 1's rights
		}
		if w == 1 || workers == 1 {
			copy(rows[nl0:nl], rows[size:size+nl1]) // chunk 1's lefts
			copy(rows[nl+cut:size+nl1], tmp[cut:nr0])
		}
	})
	return nl
}

// partitionChunkGo moves the rows going left (left[bin] == 1) to the front
// of rows and the others to the front of tmp, both in order; it returns the
// left count. It is the portable partitionChunk.
func partitionChunkGo(rows, tmp []int32, col []uint8, left *[maxBins]uint8) int {
	return partitionRest(rows, tmp, col, left, 0, 0)
}

// partitionRest is partitionChunkGo for the rows after the first nl+nr,
// which are already in rows[:nl] (left) and tmp[:nr].
func partitionRest(rows, tmp []int32, col []uint8, left *[maxBins]uint8, nl, nr int) int {
	tmp = tmp[:len(rows)]
	for _, r := range rows[nl+nr:] {
		bit := int(left[col[r]])
		rows[nl] = r
		tmp[nr] = r
		nl += bit
		nr += 1 - bit
	}
	return nl
}

// histAndSearch builds leaf small's histograms from its rows, derives leaf
// large's (if >= 0) by subtraction from the parent histogram already in its
// buffer, and finds both leaves' best splits. Features are spread over the
// workers; each feature's histogram is summed by one worker in row order,
// so the result does not depend on the number of threads.
func (l *learner) histAndSearch(small, large int, searchSmall, searchLarge bool) {
	begin, count := l.leafBegin[small], l.leafCount[small]
	rows := l.idx[begin : begin+count]
	og := l.ordered[:count]
	gh := l.gh
	// A contiguous run of rows (the root, unless bagging) is summed straight
	// from the gradients; other leaves gather theirs first.
	contiguous := count > 0 && int(rows[count-1]-rows[0]) == count-1
	l.team.rows(count, func(lo, hi int) {
		if contiguous {
			return
		}
		for i, r := range rows[lo:hi] {
			og[lo+i] = gh[r]
		}
	})
	stSmall := leafStats{g: l.leafG[small], h: l.leafH[small], count: count}
	var stLarge leafStats
	if large >= 0 {
		stLarge = leafStats{g: l.leafG[large], h: l.leafH[large], count: l.leafCount[large]}
	}
	// Each worker owns a contiguous run of the active features: it builds
	// their histograms, then subtracts and searches them.
	work := func(w, workers int) {
		sc := l.scratch[w]
		feats := l.active[w*len(l.active)/workers : (w+1)*len(l.active)/workers]
		if contiguous {
			l.buildHistsContig(l.hists[small], int(rows[0]), count, feats)
		} else {
			l.buildHists(l.hists[small], rows, og, feats)
		}
		for _, f := range feats {
			hs := l.hists[small][f*maxBins : (f+1)*maxBins]
			l.candSmall[f] = noSplit()
			if searchSmall {
				l.search(f, hs, stSmall, sc, &l.candSmall[f])
			}
			if large >= 0 {
				hl := l.hists[large][f*maxBins : (f+1)*maxBins]
				nb := l.data.mappers[f].numBins
				for b := 0; b < nb; b++ {
					hl[b][0] -= hs[b][0]
					hl[b][1] -= hs[b][1]
				}
				l.candLarge[f] = noSplit()
				l.search(f, hl, stLarge, sc, &l.candLarge[f])
			}
		}
	}
	l.onWorkers(count, searches(searchSmall, large), work)
	l.best[small] = l.reduce(l.candSmall, searchSmall)
	if large >= 0 {
		l.best[large] = l.reduce(l.candLarge, true)
	}
}

// parallelMinSearches is the features x leaves searched from which a
// split's search is shared by the workers whatever the leaf's size: one
// feature's search of 255 bins takes some 0.8 us, a section a few. On
// fraud 1M two thirds of the splits have a smaller child below 1,100 rows,
// whose histograms are too little work to share, but the search of both
// children's 30 features is some 50 us, which ran on one core.
const parallelMinSearches = 16

// onWorkers runs work(w, workers) for each worker w of the team unless a
// leaf of count rows, with searches leaves' features to search, is too
// little work to share.
func (l *learner) onWorkers(count, searches int, work func(w, workers int)) {
	workers := min(l.threads, len(l.active))
	if workers <= 1 || count*len(l.active) < parallelMinWork && searches*len(l.active) < parallelMinSearches {
		work(0, 1)
		return
	}
	l.team.onEach(workers, work)
}

// searches counts the leaves a histAndSearch call searches.
func searches(searchSmall bool, large int) int {
	n := 0
	if searchSmall {
		n++
	}
	if large >= 0 {
		n++
	}
	return n
}

// fuseRoot returns the function with which quantizer.discretize sums the
// root's int64 histograms (all n training rows, the active features) block
// by block as it discretizes them, so the packed pairs are read while in
// cache instead of again from memory, by each worker: chunk c's rows into
// qhists[0] (c = 0) or qpriv[c-1], which histAndSearchQ adds up, as it
// does for any other leaf cut into chunks. Integer sums do not depend on
// the order of the adds: the bins are those buildQHistsContig gives. It
// returns nil when the root is not summed so (int32 bins, no features).
func (l *learner) fuseRoot(n int) func(c, lo, hi int) {
	if n < 2 || !l.quant.wide(n) || len(l.active) == 0 {
		return nil
	}
	size := max(rowChunk(n, l.threads), 1)
	l.rootChunks = (n + size - 1) / size
	feats := l.active
	return func(c, lo, hi int) {
		h := l.qhists[0]
		if c > 0 {
			h = l.qpriv[c-1]
		}
		if lo == c*size {
			for _, f := range feats {
				clear(qhist64(h, f)[:])
			}
		}
		l.addQHistsContig(h, lo, hi-lo, feats)
	}
}

// histAndSearchQ is histAndSearch with quantized gradients (quant.go):
// leaf small's integer histograms are built at its width, leaf large's
// derived from the parent's (of width parentWide) by subtraction, and each
// feature's bins are read as float sums for the split search. A contiguous
// run of rows (the root) is summed from the columns, features spread over
// the workers; any other leaf from the row-major bins (buildQHistsRows),
// its rows cut into one chunk per worker, each chunk summed into
// histograms of its own (the first chunk's are the leaf's), which the
// workers then add up feature by feature before the search. Integer sums
// do not depend on the order of the adds, so neither the cut nor the
// number of threads changes a bin.
func (l *learner) histAndSearchQ(small, large int, searchSmall, searchLarge, parentWide bool) {
	z := l.quant
	begin, count := l.leafBegin[small], l.leafCount[small]
	rows := l.idx[begin : begin+count]
	smallWide := l.leafWide[small]
	fused := small == 0 && l.rootChunks > 0 // summed by discretize (fuseRoot)
	contiguous := !fused && smallWide && count > 0 && int(rows[count-1]-rows[0]) == count-1
	hs := l.qhists[small]
	chunks := 0
	if fused {
		chunks = l.rootChunks
	} else if !contiguous {
		size := max(count, 1)
		if count*len(l.active) >= parallelMinWork {
			size = rowChunk(count, l.threads)
		}
		chunks = (count + size - 1) / size
		l.team.chunks(count, size, func(lo, hi int) {
			h := hs
			if c := lo / size; c > 0 {
				h = l.qpriv[c-1]
			}
			l.buildQHistsRows(h, rows[lo:hi], l.active, smallWide)
		})
	}
	stSmall := leafStats{g: l.leafG[small], h: l.leafH[small], count: count}
	var stLarge leafStats
	largeWide := false
	if large >= 0 {
		stLarge = leafStats{g: l.leafG[large], h: l.leafH[large], count: l.leafCount[large]}
		largeWide = l.leafWide[large]
	}
	work := func(w, workers int) {
		sc := l.scratch[w]
		feats := l.active[w*len(l.active)/workers : (w+1)*len(l.active)/workers]
		if contiguous {
			l.buildQHistsContig(hs, int(rows[0]), count, feats)
		}
		for _, f := range feats {
			nb := l.data.mappers[f].numBins
			for _, p := range l.qpriv[:max(chunks-1, 0)] {
				addQ(hs, p, f, nb, smallWide)
			}
			l.candSmall[f] = noSplit()
			if searchSmall {
				z.toFloat(hs, f, nb, smallWide, &sc.hist)
				l.search(f, sc.hist[:], stSmall, sc, &l.candSmall[f])
			}
			if large >= 0 {
				hl := l.qhists[large]
				subtractQ(hl, hs, f, nb, parentWide, largeWide, smallWide)
				l.candLarge[f] = noSplit()
				z.toFloat(hl, f, nb, largeWide, &sc.hist)
				l.search(f, sc.hist[:], stLarge, sc, &l.candLarge[f])
			}
		}
	}
	l.onWorkers(count, searches(searchSmall, large), work)
	l.best[small] = l.reduce(l.candSmall, searchSmall)
	if large >= 0 {
		l.best[large] = l.reduce(l.candLarge, true)
	}
}

// renewLeaves sets every leaf's value from the float gradients of its rows
// (quant_train_renew_leaf; LightGBM's RenewIntGradTreeOutput), summed in
// row order within the leaf, with the lambda_l2 the leaf's output had:
// cat_l2 stays added below a many-vs-many categorical split, so a renewed
// leaf is what the exact fit would give those rows. (LightGBM renews with
// lambda_l2 alone, which unregularises exactly the leaves of
// high-cardinality categories: on click 1M at XGBoost's regularisation
// that cost 0.0013-0.0044 AUC, more the more gradient bins.) The threads
// take leaves in turn, each leaf summed by one of them, so the values do
// not depend on num_threads (one thread: 0.4 of click 1M's 6 CPU seconds,
// all of it on the critical path). A leaf's sum is one chain of dependent
// additions, so the largest leaf bounds the section: leaves go largest
// first, and the other threads share the rest while it is summed.
func (l *learner) renewLeaves(t *tree) {
	order := l.renewOrder[:0]
	for k := range t.numLeaves {
		order = append(order, k)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(l.leafCount[b], l.leafCount[a]) })
	// the leaves' row ids are read here anyway: each row's leaf is written
	// for updateScores on the way (the stores do not lengthen the sums'
	// chains), sparing it a pass over the rows
	mark := t.numLeaves <= 256
	leafOf := l.leafOf
	var next atomic.Int64
	work := func(int, int) {
		for i := int(next.Add(1) - 1); i < len(order); i = int(next.Add(1) - 1) {
			k := order[i]
			var g, h float64
			rows := l.idx[l.leafBegin[k] : l.leafBegin[k]+l.leafCount[k]]
			if mark {
				for _, r := range rows {
					g += float64(l.gh[r][0])
					h += float64(l.gh[r][1])
					leafOf[r] = uint8(k)
				}
			} else {
				for _, r := range rows {
					g += float64(l.gh[r][0])
					h += float64(l.gh[r][1])
				}
			}
			t.leafValue[k] = leafOutput(g, h, l.p.LambdaL1, l.leafL2[k])
		}
	}
	l.leafOfMarked = mark
	rows := 0
	for k := range t.numLeaves {
		rows += l.leafCount[k]
	}
	if rows < partitionParallelRows {
		work(0, 1)
		return
	}
	l.team.onEach(min(l.threads, t.numLeaves), work)
}

func (l *learner) reduce(cand []split, searched bool) split {
	best := noSplit()
	if !searched {
		return best
	}
	for _, f := range l.active {
		if cand[f].better(&best) {
			best = cand[f]
		}
	}
	return best
}

func (l *learner) search(f int, hist []gradPair, st leafStats, sc *splitScratch, out *split) {
	if st.h <= 0 {
		return
	}
	if l.data.mappers[f].categorical {
		l.bestCategorical(f, hist, st, sc, out)
	} else {
		l.bestNumeric(f, hist, st, out)
	}
}
