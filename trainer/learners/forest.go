package learners

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/nightshift-ml/nightshift/trainer"
)

// forest is a LightGBM text model (binary objective, sigmoid 1) compiled
// for batch scoring. leaves scores a row at a time through every tree,
// after copying the design to row-major order; a forest walks one tree
// over a block of rows of the column-major design at a time, so the tree's
// nodes stay in cache and nothing is copied. Each row's raw score is the
// sum of its leaf values in tree order from 0, and its probability
// 1/(1+e^−raw): the same arithmetic as leaves, so the two agree bit for
// bit (tested). The decisions follow LightGBM's Tree::NumericalDecision
// and CategoricalDecision as leaves implements them.
type forest struct {
	nFeatures int
	trees     []flatTree
}

// flatTree is one tree's nodes in LightGBM's arrays: node i splits on
// feature[i]; a child c ≥ 0 is a node, c < 0 the leaf ^c.
type flatTree struct {
	feature     []int32
	threshold   []float64
	flags       []uint8
	left, right []int32
	leaf        []float64
	// catBoundaries/catThreshold: categorical node i's bitset is
	// catThreshold[catBoundaries[t]:catBoundaries[t+1]], t = int(threshold[i]).
	catBoundaries []int32
	catThreshold  []uint32
}

// Node flags, from LightGBM's decision_type.
const (
	flagCategorical = 1 << iota
	flagDefaultLeft
	flagMissingZero
	flagMissingNaN
)

// zeroThreshold is LightGBM's kZeroThreshold: |x| ≤ 1e-35 counts as zero.
const zeroThreshold = 1e-35

// parseForest compiles model text that gbdt.LoadLeaves has accepted.
func parseForest(text string) (*forest, error) {
	f := &forest{nFeatures: -1}
	var cur map[string]string
	flush := func() error {
		if cur == nil {
			return nil
		}
		t, err := flatTreeOf(cur)
		if err != nil {
			return fmt.Errorf("gbdt: %s: %w", cur["Tree"], err)
		}
		f.trees = append(f.trees, t)
		cur = nil
		return nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, "\r")
		k, v, _ := strings.Cut(line, "=")
		switch {
		case k == "max_feature_idx" && f.nFeatures < 0:
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("gbdt: max_feature_idx %q", v)
			}
			f.nFeatures = n + 1
		case k == "objective" && cur == nil && len(f.trees) == 0:
			if !strings.HasPrefix(v, "binary") || strings.Contains(v, "sigmoid:") && !strings.Contains(v, "sigmoid:1") {
				return nil, fmt.Errorf("gbdt: objective %q: want binary with sigmoid:1", v)
			}
		case k == "Tree":
			if err := flush(); err != nil {
				return nil, err
			}
			cur = map[string]string{"Tree": line}
		case line == "end of trees":
			if err := flush(); err != nil {
				return nil, err
			}
			return f, nil
		case cur != nil && v != "":
			cur[k] = v
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return f, nil
}

func flatTreeOf(kv map[string]string) (flatTree, error) {
	var t flatTree
	leaves, err := strconv.Atoi(kv["num_leaves"])
	if err != nil || leaves < 1 {
		return t, fmt.Errorf("num_leaves %q", kv["num_leaves"])
	}
	if t.leaf, err = floats(kv["leaf_value"], leaves); err != nil {
		return t, fmt.Errorf("leaf_value: %w", err)
	}
	if leaves == 1 {
		return t, nil
	}
	n := leaves - 1
	feature, err := ints(kv["split_feature"], n)
	if err != nil {
		return t, fmt.Errorf("split_feature: %w", err)
	}
	dtype, err := ints(kv["decision_type"], n)
	if err != nil {
		return t, fmt.Errorf("decision_type: %w", err)
	}
	left, err := ints(kv["left_child"], n)
	if err != nil {
		return t, fmt.Errorf("left_child: %w", err)
	}
	right, err := ints(kv["right_child"], n)
	if err != nil {
		return t, fmt.Errorf("right_child: %w", err)
	}
	if t.threshold, err = floats(kv["threshold"], n); err != nil {
		return t, fmt.Errorf("threshold: %w", err)
	}
	if nc, _ := strconv.Atoi(kv["num_cat"]); nc > 0 {
		b, err := ints(kv["cat_boundaries"], nc+1)
		if err != nil {
			return t, fmt.Errorf("cat_boundaries: %w", err)
		}
		bits, err := ints(kv["cat_threshold"], b[nc])
		if err != nil {
			return t, fmt.Errorf("cat_threshold: %w", err)
		}
		for _, x := range b {
			t.catBoundaries = append(t.catBoundaries, int32(x))
		}
		for _, x := range bits {
			t.catThreshold = append(t.catThreshold, uint32(x))
		}
	}
	for i := range n {
		t.feature = append(t.feature, int32(feature[i]))
		t.left = append(t.left, int32(left[i]))
		t.right = append(t.right, int32(right[i]))
		var fl uint8
		d := dtype[i]
		if d&1 != 0 {
			fl |= flagCategorical
			if c := int(t.threshold[i]); c < 0 || c+1 >= len(t.catBoundaries) {
				return t, fmt.Errorf("node %d: categorical threshold %v has no bitset", i, t.threshold[i])
			}
		}
		if d&2 != 0 {
			fl |= flagDefaultLeft
		}
		switch (d >> 2) & 3 {
		case 1:
			fl |= flagMissingZero
		case 2:
			fl |= flagMissingNaN
		}
		t.flags = append(t.flags, fl)
	}
	return t, nil
}

func ints(s string, want int) ([]int, error) {
	fs := strings.Fields(s)
	if len(fs) != want {
		return nil, fmt.Errorf("%d values, want %d", len(fs), want)
	}
	out := make([]int, want)
	for i, f := range fs {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, err
		}
		out[i] = int(v)
	}
	return out, nil
}

func floats(s string, want int) ([]float64, error) {
	fs := strings.Fields(s)
	if len(fs) != want {
		return nil, fmt.Errorf("%d values, want %d", len(fs), want)
	}
	out := make([]float64, want)
	for i, f := range fs {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// goesLeft is node i's decision for the value x.
func (t *flatTree) goesLeft(i int, x float64) bool {
	fl := t.flags[i]
	if fl&flagCategorical != 0 {
		if math.IsNaN(x) {
			return false
		}
		iv := int32(x) // as leaves converts it
		if iv < 0 {
			return false
		}
		v := uint32(iv)
		c := int(t.threshold[i])
		lo, hi := t.catBoundaries[c], t.catBoundaries[c+1]
		w := v / 32
		if w >= uint32(hi-lo) {
			return false
		}
		return t.catThreshold[uint32(lo)+w]>>(v%32)&1 != 0
	}
	nan := math.IsNaN(x)
	if nan && fl&flagMissingNaN == 0 {
		x, nan = 0, false
	}
	if fl&flagMissingZero != 0 && x > -zeroThreshold && x <= zeroThreshold || fl&flagMissingNaN != 0 && nan {
		return fl&flagDefaultLeft != 0
	}
	return x <= t.threshold[i]
}

// forestBlock is the rows scored per tree pass: their scores and the
// columns' values for them stay in cache while a tree is walked.
const forestBlock = 2048

// PredictProba scores every row of ds, whose features must be the
// model's, in order.
func (f *forest) PredictProba(ds *trainer.Dataset) ([]float64, error) {
	if len(ds.Features) != f.nFeatures {
		return nil, fmt.Errorf("gbdt: dataset has %d features, the model %d", len(ds.Features), f.nFeatures)
	}
	cols := make([][]float64, len(ds.Features))
	for j, c := range ds.Features {
		if len(c.Values) != ds.Rows {
			return nil, fmt.Errorf("gbdt: feature %q: %d values, want %d rows", c.Name, len(c.Values), ds.Rows)
		}
		cols[j] = c.Values
	}
	out := make([]float64, ds.Rows)
	blocks := (ds.Rows + forestBlock - 1) / forestBlock
	workers := min(runtime.GOMAXPROCS(0), blocks)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := w; b < blocks; b += workers {
				f.scoreBlock(cols, out, b*forestBlock, min((b+1)*forestBlock, ds.Rows))
			}
		}()
	}
	wg.Wait()
	for i, v := range out {
		out[i] = 1.0 / (1.0 + math.Exp(-v))
	}
	return out, nil
}

// scoreBlock adds every tree's leaf value to out[lo:hi], tree by tree.
func (f *forest) scoreBlock(cols [][]float64, out []float64, lo, hi int) {
	for r := lo; r < hi; r++ {
		out[r] = 0
	}
	for ti := range f.trees {
		t := &f.trees[ti]
		if len(t.feature) == 0 {
			for r := lo; r < hi; r++ {
				out[r] += t.leaf[0]
			}
			continue
		}
		feature, threshold, flags, left, right := t.feature, t.threshold, t.flags, t.left, t.right
		for r := lo; r < hi; r++ {
			n := int32(0)
			for n >= 0 {
				x := cols[feature[n]][r]
				var goLeft bool
				switch flags[n] {
				case flagMissingNaN: // what nightshift writes: NaN goes right, and NaN <= t is false
					goLeft = x <= threshold[n]
				case flagMissingNaN | flagDefaultLeft: // NaN goes left, and !(NaN > t) is true
					goLeft = !(x > threshold[n])
				default:
					goLeft = t.goesLeft(int(n), x)
				}
				if goLeft {
					n = left[n]
				} else {
					n = right[n]
				}
			}
			out[r] += t.leaf[^n]
		}
	}
}
