package gbdt

import (
	"cmp"
	"math"
	"slices"
)

// split is the best split found for one leaf (or one feature of a leaf).
type split struct {
	feature     int // -1: no valid split
	gain        float64
	thr         int  // numeric: last bin that goes left
	defaultLeft bool // numeric: the NaN bin goes left
	cat         bool
	binLeft     [4]uint64 // bins that go left
	leftG       float64
	leftH       float64
	rightG      float64
	rightH      float64
	leftOut     float64
	rightOut    float64
	l2          float64 // the lambda_l2 of the outputs (cat_l2 added after a many-vs-many categorical split)
}

func noSplit() split { return split{feature: -1, gain: math.Inf(-1)} }

// better orders candidates: larger gain first, then lower feature index, so
// the choice does not depend on which worker found a candidate.
func (s *split) better(o *split) bool {
	if s.feature < 0 {
		return false
	}
	if o.feature < 0 {
		return true
	}
	if s.gain != o.gain {
		return s.gain > o.gain
	}
	return s.feature < o.feature
}

// Gain and output with L1 soft-thresholding, as LightGBM's
// FeatureHistogram::GetLeafGain / CalculateSplittedLeafOutput
// (src/treelearner/feature_histogram.hpp) without max_delta_step.
func thresholdL1(g, l1 float64) float64 {
	if l1 == 0 {
		return g
	}
	r := math.Abs(g) - l1
	if r <= 0 {
		return 0
	}
	return math.Copysign(r, g)
}

func leafGain(g, h, l1, l2 float64) float64 {
	t := thresholdL1(g, l1)
	if h+l2 <= 0 {
		return 0
	}
	return t * t / (h + l2)
}

func leafOutput(g, h, l1, l2 float64) float64 {
	if h+l2 <= 0 {
		return 0
	}
	return -thresholdL1(g, l1) / (h + l2)
}

// leafStats are the totals of a leaf being searched.
type leafStats struct {
	g, h  float64
	count int
}

// splitScratch is one worker's buffer for categorical split search.
type splitScratch struct {
	order []int
	keyed []catKey
	hist  [maxBins]gradPair // one feature's quantized bins as float sums
}

// catKey orders categories by gradient statistics; the bin breaks ties.
type catKey struct {
	ctr float64
	bin int
}

func newSplitScratch() *splitScratch {
	return &splitScratch{order: make([]int, 0, maxBins), keyed: make([]catKey, 0, maxBins)}
}

// bestNumeric scans the bins of a numeric feature in order. With a NaN bin it
// scans twice, sending NaN right and then left, which learns the default
// direction per split. Counts are estimated from hessians as LightGBM does
// (cnt_factor = count / sum_hessian).
func (l *learner) bestNumeric(f int, hist []gradPair, st leafStats, out *split) {
	m := &l.data.mappers[f]
	p := &l.p
	nb := len(m.upper)
	cntFactor := float64(st.count) / st.h
	shift := leafGain(st.g, st.h, p.LambdaL1, p.LambdaL2) + p.MinGainToSplit
	minData, minHess := float64(p.MinDataInLeaf), p.MinSumHessianInLeaf
	dirs := 1
	var nanG, nanH float64
	if m.hasNaN {
		dirs = 2
		nanG, nanH = hist[m.nanBin][0], hist[m.nanBin][1]
	}
	// round(h*cntFactor) >= minData  <=>  h >= (minData-0.5)/cntFactor, so
	// one hessian bound covers both leaf-size constraints without rounding.
	hMin := math.Max(minHess, (minData-0.5)/cntFactor)
	if p.LambdaL2 == 0 {
		hMin = math.Max(hMin, math.SmallestNonzeroFloat64)
	}
	hist = hist[:nb]
	l1, l2 := p.LambdaL1, p.LambdaL2
	// The scan keeps the best raw gain (left + right); the parent's gain
	// and min_gain_to_split are the same for every threshold, so they are
	// subtracted once at the end. Without L1 the gain is inlined.
	bestRaw, bestT, bestDir := shift, -1, 0
	var bestLG, bestLH float64
	for dir := 0; dir < dirs; dir++ {
		var lg, lh float64
		if dir == 1 {
			if nanH == 0 && nanG == 0 {
				break // no NaN here: same as the first scan
			}
			lg, lh = nanG, nanH
		}
		for t := 0; t < nb-1; t++ {
			hg, hh := hist[t][0], hist[t][1]
			if hh == 0 && hg == 0 {
				continue // empty bin: same partition as the previous threshold
			}
			lg += hg
			lh += hh
			if lh < hMin {
				continue
			}
			rg, rh := st.g-lg, st.h-lh
			if rh < hMin {
				break
			}
			var raw float64
			if l1 == 0 {
				raw = lg*lg/(lh+l2) + rg*rg/(rh+l2)
			} else {
				raw = leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2)
			}
			if raw > bestRaw {
				bestRaw, bestT, bestDir, bestLG, bestLH = raw, t, dir, lg, lh
			}
		}
	}
	if bestT >= 0 && bestRaw-shift > 0 {
		*out = split{feature: f, gain: bestRaw - shift, thr: bestT, defaultLeft: bestDir == 1,
			leftG: bestLG, leftH: bestLH, rightG: st.g - bestLG, rightH: st.h - bestLH}
	}
	if out.feature == f {
		out.leftOut = leafOutput(out.leftG, out.leftH, p.LambdaL1, p.LambdaL2)
		out.rightOut = leafOutput(out.rightG, out.rightH, p.LambdaL1, p.LambdaL2)
		out.l2 = p.LambdaL2
		out.binLeft = [4]uint64{}
		for b := 0; b <= out.thr; b++ {
			out.binLeft[b>>6] |= 1 << (b & 63)
		}
		if out.defaultLeft {
			out.binLeft[m.nanBin>>6] |= 1 << (m.nanBin & 63)
		}
	}
}

// bestCategorical follows LightGBM's FindBestThresholdCategoricalInner: one
// category against the rest when there are at most max_cat_to_onehot
// categories; otherwise categories with enough rows are sorted by
// sum_gradient / (sum_hessian + cat_smooth) and the best prefix of at most
// max_cat_threshold categories, from either end, goes left (with cat_l2 added
// to lambda_l2). Bin 0 ("other": NaN, rare and unseen codes) always goes right.
func (l *learner) bestCategorical(f int, hist []gradPair, st leafStats, sc *splitScratch, out *split) {
	m := &l.data.mappers[f]
	p := &l.p
	cntFactor := float64(st.count) / st.h
	minData, minHess := float64(p.MinDataInLeaf), p.MinSumHessianInLeaf
	l1 := p.LambdaL1
	if m.numBins-1 <= p.MaxCatToOnehot {
		l2 := p.LambdaL2
		shift := leafGain(st.g, st.h, l1, l2) + p.MinGainToSplit
		best := -1
		var bestGain float64
		for b := 1; b < m.numBins; b++ {
			lg, lh := hist[b][0], hist[b][1]
			if math.Round(lh*cntFactor) < minData || lh < minHess {
				continue
			}
			rg, rh := st.g-lg, st.h-lh
			if math.Round(rh*cntFactor) < minData || rh < minHess || lh+l2 <= 0 || rh+l2 <= 0 {
				continue
			}
			gain := leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2) - shift
			if gain > 0 && (best < 0 || gain > bestGain) {
				best, bestGain = b, gain
			}
		}
		if best >= 0 && (out.feature < 0 || bestGain > out.gain) {
			lg, lh := hist[best][0], hist[best][1]
			*out = split{feature: f, gain: bestGain, cat: true, leftG: lg, leftH: lh, rightG: st.g - lg, rightH: st.h - lh}
			out.binLeft[best>>6] |= 1 << (best & 63)
			out.leftOut = leafOutput(lg, lh, l1, l2)
			out.rightOut = leafOutput(st.g-lg, st.h-lh, l1, l2)
			out.l2 = l2
		}
		return
	}
	// The children's gains and outputs add cat_l2; the parent's gain, which
	// a split must beat, does not (LightGBM's FindBestThresholdCategorical-
	// Inner without path smoothing: "min_split_gain uses the original l2").
	l2 := p.LambdaL2 + p.CatL2
	shift := leafGain(st.g, st.h, l1, p.LambdaL2) + p.MinGainToSplit
	keyed := sc.keyed[:0]
	for b := 1; b < m.numBins; b++ {
		h := hist[b][1]
		if math.Round(h*cntFactor) >= p.CatSmooth && h > 0 {
			keyed = append(keyed, catKey{hist[b][0] / (h + p.CatSmooth), b})
		}
	}
	slices.SortFunc(keyed, func(a, b catKey) int {
		if c := cmp.Compare(a.ctr, b.ctr); c != 0 {
			return c
		}
		return a.bin - b.bin
	})
	order := sc.order[:0]
	for _, k := range keyed {
		order = append(order, k.bin)
	}
	used := len(order)
	maxNum := min(p.MaxCatThreshold, (used+1)/2)
	minGroup := float64(p.MinDataPerGroup)
	bestDir, bestK := 0, -1
	var bestGain, bestLG, bestLH float64
	for dir := 0; dir < 2; dir++ {
		var lg, lh, groupCnt float64
		for i := 0; i < used && i < maxNum; i++ {
			b := order[i]
			if dir == 1 {
				b = order[used-1-i]
			}
			lg += hist[b][0]
			lh += hist[b][1]
			c := math.Round(hist[b][1] * cntFactor)
			groupCnt += c
			if math.Round(lh*cntFactor) < minData || lh < minHess {
				continue
			}
			rg, rh := st.g-lg, st.h-lh
			rc := math.Round(rh * cntFactor)
			if rc < minData || rc < minGroup || rh < minHess {
				break
			}
			if groupCnt < minGroup || lh+l2 <= 0 || rh+l2 <= 0 {
				continue
			}
			groupCnt = 0
			gain := leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2) - shift
			if gain > 0 && (bestK < 0 || gain > bestGain) {
				bestDir, bestK, bestGain, bestLG, bestLH = dir, i, gain, lg, lh
			}
		}
	}
	if bestK < 0 || (out.feature >= 0 && bestGain <= out.gain) {
		return
	}
	*out = split{feature: f, gain: bestGain, cat: true, leftG: bestLG, leftH: bestLH,
		rightG: st.g - bestLG, rightH: st.h - bestLH}
	for i := 0; i <= bestK; i++ {
		b := order[i]
		if bestDir == 1 {
			b = order[used-1-i]
		}
		out.binLeft[b>>6] |= 1 << (b & 63)
	}
	out.leftOut = leafOutput(out.leftG, out.leftH, l1, l2)
	out.rightOut = leafOutput(out.rightG, out.rightH, l1, l2)
	out.l2 = l2
}
