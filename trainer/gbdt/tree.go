package gbdt

import "math"

// decision_type bits (LightGBM include/LightGBM/tree.h).
const (
	dtCategorical = 1
	dtDefaultLeft = 2
	dtMissingNaN  = 2 << 2
)

// tree is one regression tree in LightGBM's array layout: internal node k is
// the k-th split, a child c >= 0 is a node and c < 0 the leaf ^c. Leaf values
// include the learning rate (and, in tree 0, the init score).
type tree struct {
	numLeaves      int
	splitFeature   []int
	splitGain      []float64
	threshold      []float64 // numeric threshold, or index into catBoundaries
	decisionType   []int8
	left, right    []int
	leafValue      []float64
	leafWeight     []float64
	leafCount      []int
	internalValue  []float64
	internalWeight []float64
	internalCount  []int
	catBoundaries  []int
	catThreshold   []uint32
	shrinkage      float64

	// binLeft[k] is the set of bins of splitFeature[k] that go left at node
	// k: the same decision on binned data, used while training.
	binLeft [][4]uint64
}

func newTree(maxLeaves int) *tree {
	n := min(maxLeaves, 64) - 1 // capacity hint; slices grow past it
	return &tree{
		numLeaves:      1,
		splitFeature:   make([]int, 0, n),
		splitGain:      make([]float64, 0, n),
		threshold:      make([]float64, 0, n),
		decisionType:   make([]int8, 0, n),
		left:           make([]int, 0, n),
		right:          make([]int, 0, n),
		leafValue:      make([]float64, 1, n+1),
		leafWeight:     make([]float64, 1, n+1),
		leafCount:      make([]int, 1, n+1),
		internalValue:  make([]float64, 0, n),
		internalWeight: make([]float64, 0, n),
		internalCount:  make([]int, 0, n),
		binLeft:        make([][4]uint64, 0, n),
		shrinkage:      1,
	}
}

// leafOfRaw returns the leaf a row of raw values reaches, with LightGBM's
// routing (Tree::NumericalDecision, Tree::CategoricalDecision in tree.h).
func (t *tree) leafOfRaw(row []float64) int {
	if t.numLeaves == 1 {
		return 0
	}
	node := 0
	for node >= 0 {
		v := row[t.splitFeature[node]]
		dt := t.decisionType[node]
		var goLeft bool
		if dt&dtCategorical != 0 {
			goLeft = false
			if v == v && v >= 0 && v < maxCategoryCode {
				c := int(v)
				ci := int(t.threshold[node])
				lo, hi := t.catBoundaries[ci], t.catBoundaries[ci+1]
				if w := c / 32; w < hi-lo {
					goLeft = t.catThreshold[lo+w]>>(uint(c)%32)&1 == 1
				}
			}
		} else {
			if v != v {
				if dt&dtMissingNaN != 0 {
					goLeft = dt&dtDefaultLeft != 0
					goto next
				}
				v = 0
			}
			goLeft = v <= t.threshold[node]
		}
	next:
		if goLeft {
			node = t.left[node]
		} else {
			node = t.right[node]
		}
	}
	return ^node
}

// leafOfBinned returns the leaf row r of binned columns reaches.
func (t *tree) leafOfBinned(cols [][]uint8, r int) int {
	if t.numLeaves == 1 {
		return 0
	}
	node := 0
	for node >= 0 {
		b := cols[t.splitFeature[node]][r]
		if t.binLeft[node][b>>6]>>(b&63)&1 == 1 {
			node = t.left[node]
		} else {
			node = t.right[node]
		}
	}
	return ^node
}

// addBias adds v to every leaf and internal value (LightGBM's
// Tree::AddBias, used to fold the init score into the first tree).
func (t *tree) addBias(v float64) {
	for i := range t.leafValue {
		t.leafValue[i] += v
	}
	for i := range t.internalValue {
		t.internalValue[i] += v
	}
}

// shrink multiplies all outputs by the learning rate (Tree::Shrinkage).
func (t *tree) shrink(rate float64) {
	for i := range t.leafValue {
		t.leafValue[i] *= rate
	}
	for i := range t.internalValue {
		t.internalValue[i] *= rate
	}
	t.shrinkage *= rate
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
