package gbdt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// Data names the rows of a BinnedDataset to train or validate on, with one
// label (0 or 1) per row of the dataset.
type Data struct {
	Binned *BinnedDataset
	Labels []float64 // len == Binned.Rows(); only the rows in Rows are read
	Rows   []int     // distinct row ids (a fold), any order; nil means all rows
}

// ErrSingleClass is returned (wrapped) when the training rows hold only one
// class: there is nothing to separate.
var ErrSingleClass = errors.New("training rows hold a single class")

func (d *Data) rows() []int {
	if d.Rows != nil {
		return d.Rows
	}
	r := make([]int, d.Binned.rows)
	for i := range r {
		r[i] = i
	}
	return r
}

// check validates rows and labels; what names the set in errors.
func (d *Data) check(what string) ([]int, int, error) {
	if d.Binned == nil {
		return nil, 0, fmt.Errorf("gbdt: %s data has no binned dataset", what)
	}
	if len(d.Labels) != d.Binned.rows {
		return nil, 0, fmt.Errorf("gbdt: %s data: %d labels for %d rows", what, len(d.Labels), d.Binned.rows)
	}
	rows := d.rows()
	if !slices.IsSorted(rows) {
		rows = slices.Sorted(slices.Values(rows))
	}
	pos := 0
	for i, r := range rows {
		if r < 0 || r >= d.Binned.rows {
			return nil, 0, fmt.Errorf("gbdt: %s data: row id %d out of range 0..%d", what, r, d.Binned.rows-1)
		}
		if i > 0 && r <= rows[i-1] {
			return nil, 0, fmt.Errorf("gbdt: %s data: row id %d given twice", what, r)
		}
		switch d.Labels[r] {
		case 1:
			pos++
		case 0:
		default:
			return nil, 0, fmt.Errorf("gbdt: %s data: row %d: label %v is not 0 or 1", what, r, d.Labels[r])
		}
	}
	return rows, pos, nil
}

// Train fits a binary log-loss GBDT on train's rows. When valid is not nil,
// its rows are scored after every iteration with the metric parameter, and
// with early_stopping_round > 0 training stops when the metric has not
// improved for that many rounds; the model keeps the trees up to the best
// iteration. valid may be other rows of train.Binned (a fold) or a dataset
// made with train.Binned.Bin. The result depends only on the data, the
// parameters and the seed, not on num_threads.
func Train(ctx context.Context, p Params, train Data, valid *Data) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, pos, err := train.check("training")
	if err != nil {
		return nil, err
	}
	if train.Binned.maxBin != p.MaxBin {
		return nil, fmt.Errorf("gbdt: parameter max_bin = %d, but the dataset was binned with max_bin = %d: bin it again", p.MaxBin, train.Binned.maxBin)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("gbdt: no training rows")
	}
	if p.UseQuantizedGrad && len(rows)*p.NumGradQuantBins >= 1<<31 {
		return nil, fmt.Errorf("gbdt: use_quantized_grad: %d rows x num_grad_quant_bins %d must stay below 2^31 (the integer sums are 32 bits)", len(rows), p.NumGradQuantBins)
	}
	if pos == 0 || pos == len(rows) {
		return nil, fmt.Errorf("gbdt: %w: %d rows, all labelled %d", ErrSingleClass, len(rows), min(pos, 1))
	}
	var vrows []int
	if valid != nil {
		if vrows, _, err = valid.check("validation"); err != nil {
			return nil, err
		}
		if !sameBins(train.Binned, valid.Binned) {
			return nil, fmt.Errorf("gbdt: validation data was not binned with the training data's bins: use BinnedDataset.Bin")
		}
	}
	if p.EarlyStoppingRound > 0 && (valid == nil || len(vrows) == 0) {
		return nil, fmt.Errorf("gbdt: parameter early_stopping_round = %d needs validation rows", p.EarlyStoppingRound)
	}
	threads := p.NumThreads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	// Train on a compact copy of the fold's rows: row ids become 0..n-1, so
	// the root's rows are one contiguous run (see buildHists) and the bins
	// of any leaf lie closer together.
	data, labels := train.Binned, train.Labels
	if len(rows) != data.rows {
		data = data.subset(rows)
		labels = make([]float64, len(rows))
		for i, r := range rows {
			labels[i] = train.Labels[r]
		}
		rows = nil
	}
	if rows == nil {
		rows = make([]int, data.rows)
		for i := range rows {
			rows[i] = i
		}
	}
	b := &booster{p: p, data: data, labels: labels, rows: rows, threads: threads, team: newTeam(threads)}
	defer b.team.close()
	b.init(pos)
	return b.run(ctx, valid, vrows)
}

func sameBins(a, b *BinnedDataset) bool {
	return len(a.mappers) == len(b.mappers) && (len(a.mappers) == 0 || &a.mappers[0] == &b.mappers[0])
}

// booster runs the boosting iterations (LightGBM's GBDT with the
// BinaryLogloss objective).
type booster struct {
	p       Params
	data    *BinnedDataset
	labels  []float64
	rows    []int
	threads int
	team    *team // runs the parallel sections

	init0       float64
	labelWeight [2]float64
	score       []float64 // per dataset row (only training rows used)
	// pending: the last tree's leaf values (pendingValue, by leafOf) are
	// still to be added to score, by the next gradients pass
	pending      bool
	pendingValue [256]float64
	l            *learner
	usable       []int // non-trivial features
}

// init sets the init score (boost_from_average) and the class weights, as
// BinaryLogloss::Init and BoostFromScore in src/objective/binary_objective.hpp.
func (b *booster) init(pos int) {
	neg := len(b.rows) - pos
	b.labelWeight = [2]float64{1, 1}
	if b.p.IsUnbalance {
		if pos > neg {
			b.labelWeight[0] = float64(pos) / float64(neg)
		} else {
			b.labelWeight[1] = float64(neg) / float64(pos)
		}
	}
	b.labelWeight[1] *= b.p.ScalePosWeight
	if b.p.BoostFromAverage {
		avg := float64(pos) / float64(len(b.rows))
		avg = math.Min(math.Max(avg, 1e-15), 1-1e-15)
		b.init0 = math.Log(avg / (1 - avg))
	}
	for f := range b.data.mappers {
		if !b.data.mappers[f].trivial {
			b.usable = append(b.usable, f)
		}
	}
}

// maxThreads bounds num_threads (Params.Validate).
const maxThreads = 1024

// rowChunk is the chunk size parallelRows and team.rows cut n rows into
// for threads workers: n (one chunk) at one thread or below 4096 rows. The
// two share it because a chunk's float sums depend on its bounds: a fit
// is the same bytes whichever of them runs its sections.
func rowChunk(n, threads int) int {
	if threads <= 1 || n < 4096 {
		return n
	}
	return (n + threads - 1) / threads
}

// parallelRows runs fn over [0,n) in contiguous chunks, one per thread
// (one chunk when n is small).
func parallelRows(n, threads int, fn func(lo, hi int)) {
	parallelChunks(n, rowChunk(n, threads), fn)
}

// parallelChunks runs fn on [0,size), [size,2*size), ... up to n, each
// chunk on its own goroutine.
func parallelChunks(n, size int, fn func(lo, hi int)) {
	if size >= n {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// gradients computes the log-loss gradient and hessian of every training
// row (grad.go), stored as float32 as LightGBM's score_t. Training rows are
// 0..n-1 (Train compacts a fold), so the pass runs over plain slices. It
// first adds the last tree's leaf values to the scores (updateScores leaves
// that to it), block by block, so each block's scores are read and written
// once while in cache instead of in a pass of their own over 800k rows.
// With quantized training, each chunk's largest |gradient| and hessian are
// taken block by block while the block is in cache (quantizer.discretize
// needs them).
func (b *booster) gradients() {
	gh := b.l.gh
	w0, w1 := b.labelWeight[0], b.labelWeight[1]
	z := b.l.quant
	add, leafOf, value := b.pending, b.l.leafOf, &b.pendingValue
	b.team.rows(len(b.rows), func(lo, hi int) {
		var m [2]uint32
		for blo := lo; blo < hi; blo += histBlockRows {
			bhi := min(blo+histBlockRows, hi)
			score := b.score[blo:bhi]
			if add {
				for i, k := range leafOf[blo:bhi] {
					score[i] += value[k]
				}
			}
			gradients(score, b.labels[blo:bhi], gh[blo:bhi], w0, w1)
			if z != nil {
				m = maxAbsBits(gh[blo:bhi], m)
			}
		}
		if z != nil {
			z.chunkMax(lo, len(b.rows), b.threads, m)
		}
	})
	b.pending = false
}

func (b *booster) run(ctx context.Context, valid *Data, vrows []int) (*Model, error) {
	p := &b.p
	b.score = make([]float64, b.data.rows)
	for _, r := range b.rows {
		b.score[r] = b.init0
	}
	b.l = newLearner(*p, b.data, len(b.rows), b.team)
	bagRng := rand.New(rand.NewPCG(uint64(p.Seed), 0x9e3779b97f4a7c15))
	featRng := rand.New(rand.NewPCG(uint64(p.Seed), 0xc2b2ae3d27d4eb4f))
	bagging := p.BaggingFreq > 0 && p.BaggingFraction < 1
	bag := make([]int32, 0, len(b.rows))
	var oob []int
	if !bagging {
		for _, r := range b.rows {
			bag = append(bag, int32(r))
		}
	}
	var vscore, vbest []float64 // vbest: vscore at the best iteration
	if valid != nil {
		// starts at 0: tree 0 carries the init score, so this sums the
		// trees exactly as the model's own scoring does
		vscore = make([]float64, len(vrows))
	}
	m := newModel(b.data)
	bestIter, bestMetric := -1, 0.0
	for iter := 0; iter < p.NumIterations; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b.prepare(iter, featRng, !bagging)
		if bagging && iter%p.BaggingFreq == 0 {
			bag, oob = b.drawBag(bag, oob, bagRng)
		}
		t := b.l.grow(bag, !bagging)
		if t.numLeaves == 1 {
			// LightGBM stops when a tree cannot split; a first tree still
			// carries the init score (GBDT::TrainOneIter).
			if iter == 0 {
				t.leafValue[0] = b.init0
				m.trees = append(m.trees, t)
				bestIter = 0
				for i := range vscore {
					vscore[i] += b.init0
				}
			}
			break
		}
		t.shrink(p.LearningRate)
		b.updateScores(t, oob)
		if iter == 0 {
			t.addBias(b.init0)
			t.shrinkage = 1
		}
		m.trees = append(m.trees, t)
		if valid != nil && len(vrows) > 0 {
			b.addTree(t, valid.Binned.cols, vrows, vscore)
			metric := evalMetric(p.Metric, vscore, valid.Labels, vrows, b.team)
			m.validMetric = append(m.validMetric, metric)
			if bestIter < 0 || betterMetric(p.Metric, metric, bestMetric) {
				bestIter, bestMetric = iter, metric
				if p.EarlyStoppingRound > 0 {
					vbest = append(vbest[:0], vscore...)
				}
			}
			if p.EarlyStoppingRound > 0 && iter-bestIter >= p.EarlyStoppingRound {
				break
			}
		}
	}
	if p.EarlyStoppingRound > 0 && bestIter >= 0 {
		m.trees = m.trees[:bestIter+1]
		m.bestIteration = bestIter + 1
		if vbest != nil {
			vscore = vbest
		}
	}
	m.validRaw = vscore
	m.metric = p.Metric
	m.sections = b.team.sections
	return m, nil
}

// prepare readies iteration iter: the gradients (whose pass first adds the
// last tree to the scores), the tree's features and, with quantized
// training, the discretized pairs. The features come first: with every row
// in the bag (all), the root's histograms of the tree's features are summed
// as discretize goes.
func (b *booster) prepare(iter int, featRng *rand.Rand, all bool) {
	b.gradients()
	b.l.active = b.sampleFeatures(featRng)
	if z := b.l.quant; z != nil {
		var root func(c, lo, hi int)
		if all {
			root = b.l.fuseRoot(len(b.rows))
		}
		z.discretize(b.l.gh[:len(b.rows)], iter, b.team, false, root)
	}
}

// drawBag draws the next bag (bagging_fraction): one draw per training
// row, in row order, into bag (in) or oob (out), reusing their arrays.
func (b *booster) drawBag(bag []int32, oob []int, rng *rand.Rand) ([]int32, []int) {
	bag, oob = bag[:0], oob[:0]
	for _, r := range b.rows {
		if rng.Float64() < b.p.BaggingFraction {
			bag = append(bag, int32(r))
		} else {
			oob = append(oob, r)
		}
	}
	return bag, oob
}

// addTree adds tree t's (shrunk) outputs to the validation scores of rows
// vrows (binned columns cols).
func (b *booster) addTree(t *tree, cols [][]uint8, vrows []int, vscore []float64) {
	b.team.rows(len(vrows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			vscore[i] += t.leafValue[t.leafOfBinned(cols, vrows[i])]
		}
	})
}

// sampleFeatures picks the features of one tree (feature_fraction, as
// LightGBM: max(1, round(fraction * usable features)) without replacement).
func (b *booster) sampleFeatures(rng *rand.Rand) []int {
	if b.p.FeatureFraction >= 1 || len(b.usable) <= 1 {
		return b.usable
	}
	k := max(1, int(math.Round(b.p.FeatureFraction*float64(len(b.usable)))))
	perm := rng.Perm(len(b.usable))[:k]
	out := make([]int, k)
	for i, j := range perm {
		out[i] = b.usable[j]
	}
	slices.Sort(out)
	return out
}

// updateScores adds the (shrunk) tree to the training scores. Each row's
// leaf is first written as a byte (bag rows from the leaves' row ranges,
// unless renewLeaves wrote them as it summed the leaves; out-of-bag rows by
// walking the tree): 800k rows' leaves fit in L2, where adding the leaf
// value in the leaves' row order scattered 8-byte read-modify-writes over
// the whole score array (3 ns a row on the benchmark). The next gradients
// pass then adds each row's leaf value as it reads the row's score (the
// scores are read by nothing else in between). Trees of more than 256
// leaves add in the leaves' order, here.
func (b *booster) updateScores(t *tree, oob []int) {
	l := b.l
	n := l.leafBegin[0] + l.leafCount[0]
	for k := 1; k < t.numLeaves; k++ {
		n = max(n, l.leafBegin[k]+l.leafCount[k])
	}
	cols := b.data.cols
	if t.numLeaves > 256 {
		b.team.rows(n, func(lo, hi int) {
			for k := 0; k < t.numLeaves; k++ {
				b0, b1 := max(lo, l.leafBegin[k]), min(hi, l.leafBegin[k]+l.leafCount[k])
				v := t.leafValue[k]
				for _, r := range l.idx[b0:max(b0, b1)] {
					b.score[r] += v
				}
			}
		})
		b.team.rows(len(oob), func(lo, hi int) {
			for _, r := range oob[lo:hi] {
				b.score[r] += t.leafValue[t.leafOfBinned(cols, r)]
			}
		})
		return
	}
	leafOf := l.leafOf
	if !l.leafOfMarked {
		b.team.rows(n, func(lo, hi int) {
			for k := 0; k < t.numLeaves; k++ {
				b0, b1 := max(lo, l.leafBegin[k]), min(hi, l.leafBegin[k]+l.leafCount[k])
				for _, r := range l.idx[b0:max(b0, b1)] {
					leafOf[r] = uint8(k)
				}
			}
		})
	}
	b.team.rows(len(oob), func(lo, hi int) {
		for _, r := range oob[lo:hi] {
			leafOf[r] = uint8(t.leafOfBinned(cols, r))
		}
	})
	copy(b.pendingValue[:], t.leafValue)
	b.pending = true
}
