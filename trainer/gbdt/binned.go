package gbdt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/nightshift-ml/nightshift/trainer"
)

// maxBins is the most bins one feature can have: bin ids are uint8.
const maxBins = 256

// binSampleRows bounds the rows looked at to find numeric bin bounds
// (LightGBM's bin_construct_sample_cnt).
const binSampleRows = 200000

// minDataInBin is LightGBM's min_data_in_bin default: a numeric bin holds at
// least this many sampled rows unless the values run out.
const minDataInBin = 3

// maxCategoryCode bounds categorical codes that get their own bin; larger
// codes (and negative ones, NaN) fall in the "other" bin 0, which every
// categorical split sends right, as both model readers do.
const maxCategoryCode = 1<<31 - 1

// binMapper maps one feature's raw values to bins.
//
// Numeric: value v goes to the first bin k with v <= upper[k] (upper is
// increasing, its last entry +Inf); NaN goes to the extra bin nanBin when the
// feature had NaN at binning time, otherwise NaN is treated as 0.0, exactly as
// LightGBM routes NaN for a split with missing type None. Because a split
// "bin <= t" is written with threshold upper[t], predicting raw values with
// "v <= threshold" reproduces the training partition exactly.
//
// Categorical: bin 0 is "other" (NaN, negative, rare or unseen codes); bins
// 1..len(cats)-1 hold one category code each, most frequent first.
type binMapper struct {
	categorical bool
	numBins     int
	trivial     bool // fewer than two non-empty bins: never split on it

	upper    []float64
	hasNaN   bool
	nanBin   int // len(upper) when hasNaN, else -1
	min, max float64

	cats     []int         // bin -> category code; cats[0] = -1
	catIndex []uint8       // code -> bin for dense codes (nil when sparse)
	catMap   map[int]uint8 // code -> bin when codes are too sparse for catIndex
}

func (m *binMapper) numericBin(v float64) uint8 {
	if v != v {
		if m.hasNaN {
			return uint8(m.nanBin)
		}
		v = 0
	}
	// first k with v <= upper[k]; upper ends with +Inf so k < len(upper),
	// and that last bound is never compared. Branch-free halving: the
	// comparisons are unpredictable.
	u := m.upper
	lo, n := 0, len(u)
	for n > 1 {
		half := n >> 1
		// v > u[k] exactly when u[k]-v is negative (both are finite or v
		// is infinite; the difference of distinct floats is never zero):
		// the sign bit decides without a branch.
		gt := int(math.Float64bits(u[lo+half-1]-v) >> 63)
		lo += half & -gt
		n -= half
	}
	return uint8(lo)
}

// numericBin4 is numericBin for four values, none NaN, the four searches
// interleaved: each halving step waits on a load and a subtraction, and
// four independent chains keep the core busy (binning 800k rows x 30
// columns took 0.43 CPU s one value at a time).
func (m *binMapper) numericBin4(v *[4]float64) [4]uint8 {
	u := m.upper
	l0, l1, l2, l3 := 0, 0, 0, 0
	for n := len(u); n > 1; {
		half := n >> 1
		l0 += half & -int(math.Float64bits(u[l0+half-1]-v[0])>>63)
		l1 += half & -int(math.Float64bits(u[l1+half-1]-v[1])>>63)
		l2 += half & -int(math.Float64bits(u[l2+half-1]-v[2])>>63)
		l3 += half & -int(math.Float64bits(u[l3+half-1]-v[3])>>63)
		n -= half
	}
	return [4]uint8{uint8(l0), uint8(l1), uint8(l2), uint8(l3)}
}

func (m *binMapper) categoryBin(v float64) uint8 {
	if v != v || v < 0 || v >= maxCategoryCode {
		return 0
	}
	c := int(v)
	if m.catIndex != nil {
		if c < len(m.catIndex) {
			return m.catIndex[c]
		}
		return 0
	}
	return m.catMap[c]
}

// midpoint returns a threshold t with a <= t < b for a < b.
func midpoint(a, b float64) float64 {
	t := a/2 + b/2
	if !(t >= a && t < b) {
		t = a
	}
	return t
}

// numericBounds chooses bin upper bounds from sorted distinct values and
// their counts, following LightGBM's GreedyFindBin (src/io/bin.cpp): values
// holding at least a mean bin's worth of rows get a bin of their own, the rest
// are merged greedily into bins of about equal count.
func numericBounds(vals []float64, cnts []int, maxBin int) []float64 {
	total := 0
	for _, c := range cnts {
		total += c
	}
	var upper []float64
	if len(vals) <= maxBin {
		cur := 0
		for i := 0; i+1 < len(vals); i++ {
			cur += cnts[i]
			if cur >= minDataInBin {
				upper = append(upper, midpoint(vals[i], vals[i+1]))
				cur = 0
			}
		}
		return append(upper, math.Inf(1))
	}
	mean := float64(total) / float64(maxBin)
	big := make([]bool, len(vals))
	restBins, restRows := maxBin, total
	for i, c := range cnts {
		if float64(c) >= mean {
			big[i] = true
			restBins--
			restRows -= c
		}
	}
	if restBins > 0 {
		mean = float64(restRows) / float64(restBins)
	}
	cur := 0
	for i := 0; i+1 < len(vals) && len(upper) < maxBin-1; i++ {
		if !big[i] {
			restRows -= cnts[i]
		}
		cur += cnts[i]
		if big[i] || float64(cur) >= mean || (big[i+1] && float64(cur) >= math.Max(1, mean/2)) {
			upper = append(upper, midpoint(vals[i], vals[i+1]))
			cur = 0
			if !big[i] {
				restBins--
				if restBins > 0 {
					mean = float64(restRows) / float64(restBins)
				}
			}
		}
	}
	return append(upper, math.Inf(1))
}

// binScratch is one binning worker's buffers, reused from feature to
// feature: binning 30 columns of 800,000 rows with fresh buffers left
// about 230 MB of garbage, which the whole process's peak RSS paid for.
type binScratch struct {
	vals []float64 // the sampled non-NaN values, sorted; then the distinct ones
	cnts []int     // rows per distinct value
	keys []uint64  // sortFloatsBuf's buffers
}

func newNumericMapper(vals []float64, sample []int, maxBin int, sc *binScratch) binMapper {
	m := binMapper{nanBin: -1, min: math.Inf(1), max: math.Inf(-1)}
	for _, v := range vals {
		if v != v {
			m.hasNaN = true
			continue
		}
		if v < m.min {
			m.min = v
		}
		if v > m.max {
			m.max = v
		}
	}
	if m.min == 0 {
		m.min = 0 // -0 and +0 compare equal: write the same text whichever came first
	}
	if m.max == 0 {
		m.max = 0
	}
	s := sc.vals[:0]
	if sample == nil {
		for _, v := range vals {
			if v == v {
				s = append(s, v)
			}
		}
	} else {
		for _, r := range sample {
			if v := vals[r]; v == v {
				s = append(s, v)
			}
		}
	}
	sc.keys = sortFloatsBuf(s, sc.keys)
	// distinct values in place at the front of s, with their counts
	cnts := sc.cnts[:0]
	distinct := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			distinct = append(distinct, v)
			cnts = append(cnts, 0)
		}
		cnts[len(cnts)-1]++
	}
	sc.vals, sc.cnts = s, cnts
	nb := maxBin
	if m.hasNaN && nb == maxBins {
		nb--
	}
	m.upper = numericBounds(distinct, cnts, nb)
	m.numBins = len(m.upper)
	if m.hasNaN {
		m.nanBin = m.numBins
		m.numBins++
	}
	// A NaN-only split is never searched (its threshold would be +Inf), so
	// a feature needs two value bins to be useful.
	m.trivial = len(m.upper) < 2
	return m
}

func newCategoricalMapper(f *trainer.Feature, maxBin int) binMapper {
	m := binMapper{categorical: true, nanBin: -1}
	type codeCount struct{ code, n int }
	var cc []codeCount
	other := 0
	if k := f.NumCategories; k > 0 && k <= 1<<24 {
		// dense codes (Dataset.Validate bounds them by NumCategories)
		n := make([]int, k)
		for _, v := range f.Values {
			if v != v || v < 0 || v >= float64(k) {
				other++
				continue
			}
			n[int(v)]++
		}
		for c, x := range n {
			if x > 0 {
				cc = append(cc, codeCount{c, x})
			}
		}
	} else {
		counts := map[int]int{}
		for _, v := range f.Values {
			if v != v || v < 0 || v >= maxCategoryCode {
				other++
				continue
			}
			counts[int(v)]++
		}
		for c, x := range counts {
			cc = append(cc, codeCount{c, x})
		}
	}
	// most frequent first, ties by code
	slices.SortFunc(cc, func(a, b codeCount) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return a.code - b.code
	})
	codes := make([]int, len(cc))
	for i, x := range cc {
		codes[i] = x.code
	}
	if len(codes) > maxBin-1 {
		for _, x := range cc[maxBin-1:] {
			other += x.n
		}
		codes = codes[:maxBin-1]
	}
	m.cats = append([]int{-1}, codes...)
	m.numBins = len(m.cats)
	maxCode := -1
	for _, c := range codes {
		maxCode = max(maxCode, c)
	}
	if maxCode < 1<<22 {
		m.catIndex = make([]uint8, maxCode+1)
		for b, c := range codes {
			m.catIndex[c] = uint8(b + 1)
		}
	} else {
		m.catMap = make(map[int]uint8, len(codes))
		for b, c := range codes {
			m.catMap[c] = uint8(b + 1)
		}
	}
	nonEmpty := len(codes)
	if other > 0 {
		nonEmpty++
	}
	m.trivial = nonEmpty < 2
	return m
}

// BinnedDataset is a trainer.Dataset quantised to at most max_bin bins per
// feature, stored column-major as one byte per value. It is built once and
// reused by every trial and fold: training takes a row subset of it. Bin
// bounds are computed from the values only (never the labels), so building it
// on all rows leaks nothing between folds.
type BinnedDataset struct {
	rows    int
	maxBin  int
	names   []string
	mappers []binMapper
	cols    [][]uint8 // per feature, one bin per row
	// rowMajor holds the same bins row by row (rows x features), built
	// only when a trainer asks for force_row_wise (LightGBM's row-wise mode,
	// which doubles the dataset's memory) or quantized training, whose
	// leaves below the root are summed from it (buildQHistsRows). Measured
	// on the fraud-like set with 2 threads, column-wise float histograms
	// were faster (2.2-3.0 against 4.1 CPU-s per 20 trees), so it is not
	// the default for them.
	rowMajor     []uint8
	rowMajorOnce sync.Once
}

// NewBinnedDataset bins every feature of ds (sparse blocks are ignored) into
// at most maxBin bins (2..255). Numeric bounds come from at most 200,000
// sampled rows; categorical features keep their maxBin-1 most frequent codes.
// A Binner gives the same dataset from the features a few at a time.
func NewBinnedDataset(ctx context.Context, ds *trainer.Dataset, maxBin int) (*BinnedDataset, error) {
	bn, err := NewBinner(ds.Rows, maxBin)
	if err != nil {
		return nil, err
	}
	if err := bn.Add(ctx, ds.Features...); err != nil {
		return nil, err
	}
	return bn.Dataset()
}

// binSample is the sorted rows whose values set numeric bin bounds for a
// dataset of rows rows (LightGBM's bin_construct_sample_cnt); nil: all.
// It depends on rows only, so every feature, binned at once or a few at a
// time, sees the same sample.
func binSample(rows int) []int {
	if rows <= binSampleRows {
		return nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// a copy: the permutation of every row is garbage once cut
	sample := slices.Clone(rng.Perm(rows)[:binSampleRows])
	slices.Sort(sample)
	return sample
}

// binFeature builds f's mapper and bins its values, the bins cut into
// threads chunks of rows.
func binFeature(f *trainer.Feature, sample []int, maxBin int, sc *binScratch, threads int) (binMapper, []uint8) {
	var m binMapper
	if f.Categorical {
		m = newCategoricalMapper(f, maxBin)
	} else {
		m = newNumericMapper(f.Values, sample, maxBin, sc)
	}
	col := make([]uint8, len(f.Values))
	parallelRows(len(col), threads, func(lo, hi int) { binInto(&m, f.Values[lo:hi], col[lo:hi]) })
	return m, col
}

// A Binner builds a BinnedDataset from its features a few at a time, so a
// caller can drop each feature's float64 values once they are binned (a
// byte a value) instead of holding the whole design until binning ends:
// on 800,000 rows of 22 features that design is 141 MB, its bins 18 MB.
// Whichever groups the features come in, the dataset is the one
// NewBinnedDataset makes of them all.
type Binner struct {
	b       *BinnedDataset // nil after Dataset
	sample  []int
	scratch []*binScratch // one per worker, kept from Add to Add
}

// NewBinner starts a dataset of rows rows binned into at most maxBin bins
// per feature (2..255).
func NewBinner(rows, maxBin int) (*Binner, error) {
	if maxBin < 2 || maxBin > 255 {
		return nil, fmt.Errorf("gbdt: parameter max_bin = %d out of range, valid: 2..255", maxBin)
	}
	if rows < 0 {
		return nil, fmt.Errorf("gbdt: a binned dataset of %d rows", rows)
	}
	return &Binner{b: &BinnedDataset{rows: rows, maxBin: maxBin}, sample: binSample(rows)}, nil
}

// Add bins fs as the next features, in order; their values are not kept
// (the caller may reuse or drop them when Add returns). Features are binned
// GOMAXPROCS at a time, and the rows of one feature in GOMAXPROCS chunks
// when fewer features than that are given.
func (bn *Binner) Add(ctx context.Context, fs ...trainer.Feature) error {
	b := bn.b
	if b == nil {
		return fmt.Errorf("gbdt: Binner.Add after Binner.Dataset")
	}
	group := trainer.Dataset{Rows: b.rows, Features: fs}
	if err := group.Validate(); err != nil {
		return fmt.Errorf("gbdt: %w", err)
	}
	procs := runtime.GOMAXPROCS(0)
	workers := max(1, min(procs, len(fs)))
	for len(bn.scratch) < workers {
		bn.scratch = append(bn.scratch, &binScratch{})
	}
	scratch := make(chan *binScratch, workers)
	for _, sc := range bn.scratch[:workers] {
		scratch <- sc
	}
	threads := max(1, procs/workers)
	mappers := make([]binMapper, len(fs))
	cols := make([][]uint8, len(fs))
	var g errgroup.Group
	g.SetLimit(workers)
	for j := range fs {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			sc := <-scratch
			mappers[j], cols[j] = binFeature(&fs[j], bn.sample, b.maxBin, sc, threads)
			scratch <- sc
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, f := range fs {
		b.names = append(b.names, f.Name)
	}
	b.mappers = append(b.mappers, mappers...)
	b.cols = append(b.cols, cols...)
	return nil
}

// Dataset returns the features added so far as a dataset and ends the
// Binner.
func (bn *Binner) Dataset() (*BinnedDataset, error) {
	b := bn.b
	if b == nil {
		return nil, fmt.Errorf("gbdt: Binner.Dataset called twice")
	}
	if len(b.mappers) == 0 {
		return nil, fmt.Errorf("gbdt: dataset has no dense features")
	}
	bn.b, bn.scratch = nil, nil
	// no spare capacity: a dataset's slices are never appended to again
	b.names, b.mappers, b.cols = slices.Clip(b.names), slices.Clip(b.mappers), slices.Clip(b.cols)
	return b, nil
}

// rowMajorBins returns the row-major copy of the bins, building it on first
// use (force_row_wise, and quantized training: buildQHistsRows) on threads
// goroutines; safe for concurrent trainers. Rows go in blocks whose
// row-major bins stay in L1 while every column's are written (800k rows x
// 30 features: 48 ms a column at a time, on one thread).
func (b *BinnedDataset) rowMajorBins(threads int) []uint8 {
	b.rowMajorOnce.Do(func() {
		nf := len(b.cols)
		mat := make([]uint8, b.rows*nf)
		parallelRows(b.rows, threads, func(lo, hi int) {
			for r0 := lo; r0 < hi; r0 += 1024 {
				r1 := min(r0+1024, hi)
				for j, col := range b.cols {
					for i, v := range col[r0:r1] {
						mat[(r0+i)*nf+j] = v
					}
				}
			}
		})
		b.rowMajor = mat
	})
	return b.rowMajor
}

func binColumn(m *binMapper, vals []float64) []uint8 {
	col := make([]uint8, len(vals))
	binInto(m, vals, col)
	return col
}

// binInto writes the bins of vals into col (of the same length).
func binInto(m *binMapper, vals []float64, col []uint8) {
	col = col[:len(vals)]
	if m.categorical {
		for i, v := range vals {
			col[i] = m.categoryBin(v)
		}
		return
	}
	i := 0
	for ; i+4 <= len(vals); i += 4 {
		w := (*[4]float64)(vals[i : i+4])
		if w[0] != w[0] || w[1] != w[1] || w[2] != w[2] || w[3] != w[3] {
			for k, v := range w {
				col[i+k] = m.numericBin(v)
			}
			continue
		}
		b := m.numericBin4(w)
		copy(col[i:i+4], b[:])
	}
	for ; i < len(vals); i++ {
		col[i] = m.numericBin(vals[i])
	}
}

// Bin bins another dataset with the same columns (for example a validation
// file) using b's bin bounds, so a model trained on b can be early-stopped on
// it. Its features must match b's in number, order, name and kind.
func (b *BinnedDataset) Bin(ctx context.Context, ds *trainer.Dataset) (*BinnedDataset, error) {
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("gbdt: %w", err)
	}
	if len(ds.Features) != len(b.mappers) {
		return nil, fmt.Errorf("gbdt: dataset has %d features, the binned dataset %d", len(ds.Features), len(b.mappers))
	}
	out := &BinnedDataset{rows: ds.Rows, maxBin: b.maxBin, names: b.names, mappers: b.mappers}
	for j := range ds.Features {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := &ds.Features[j]
		if f.Name != b.names[j] || f.Categorical != b.mappers[j].categorical {
			return nil, fmt.Errorf("gbdt: feature %d is %q (categorical %v), the binned dataset has %q (categorical %v)",
				j, f.Name, f.Categorical, b.names[j], b.mappers[j].categorical)
		}
		out.cols = append(out.cols, binColumn(&b.mappers[j], f.Values))
	}
	return out, nil
}

// subset returns the rows of b (increasing ids) as a dataset of their own
// that shares b's bin mappers.
func (b *BinnedDataset) subset(rows []int) *BinnedDataset {
	out := &BinnedDataset{rows: len(rows), maxBin: b.maxBin, names: b.names, mappers: b.mappers,
		cols: make([][]uint8, len(b.cols))}
	parallelRows(len(b.cols), runtime.GOMAXPROCS(0), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			col := make([]uint8, len(rows))
			src := b.cols[j]
			for i, r := range rows {
				col[i] = src[r]
			}
			out.cols[j] = col
		}
	})
	return out
}

// Rows is the number of rows.
func (b *BinnedDataset) Rows() int { return b.rows }

// NumFeatures is the number of features.
func (b *BinnedDataset) NumFeatures() int { return len(b.mappers) }

// MaxBin is the max_bin the dataset was binned with.
func (b *BinnedDataset) MaxBin() int { return b.maxBin }

// sortFloats sorts s (no NaN) increasingly, -0 and +0 as equal values in
// either order: a least-significant-digit radix sort on the order-preserving
// integer keys of the values, 8 bits a pass, skipping passes where every key
// has the same digit. For the 200,000 sampled values of a column it is
// several times faster than slices.Sort.
func sortFloats(s []float64) { sortFloatsBuf(s, nil) }

// sortFloatsBuf is sortFloats with its key buffers taken from buf (grown
// when short), which it returns for the next call.
func sortFloatsBuf(s []float64, buf []uint64) []uint64 {
	if len(s) < 1024 {
		slices.Sort(s)
		return buf
	}
	if cap(buf) < 2*len(s) {
		buf = make([]uint64, 2*len(s))
	}
	keys, tmp := buf[:len(s)], buf[len(s):2*len(s)]
	for i, v := range s {
		b := math.Float64bits(v)
		if v == 0 {
			b = 0 // -0 as +0
		}
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys[i] = b
	}
	var cnt [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		cnt = [256]int{}
		for _, k := range keys {
			cnt[k>>shift&255]++
		}
		if cnt[keys[0]>>shift&255] == len(keys) {
			continue // every key has this digit
		}
		pos := 0
		for d, c := range cnt {
			cnt[d] = pos
			pos += c
		}
		for _, k := range keys {
			d := k >> shift & 255
			tmp[cnt[d]] = k
			cnt[d]++
		}
		keys, tmp = tmp, keys
	}
	for i, b := range keys {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		s[i] = math.Float64frombits(b)
	}
	return buf
}
