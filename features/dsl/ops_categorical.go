package dsl

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// countImpl: frequency of the row's level among the training rows.
type countImpl struct {
	st struct {
		Levels []string `json:"levels"`
		Counts floats   `json:"counts"`
	}
}

func (o *countImpl) state() any { return &o.st }

func (o *countImpl) fit(ec *evalCtx, a []value) (value, error) {
	ls, cs := presentLevels(a[0].codes, a[0].levels)
	o.st.Levels = nonNil(ls)
	o.st.Counts = make(floats, len(cs))
	for i, c := range cs {
		o.st.Counts[i] = float64(c)
	}
	return o.apply(ec, a)
}

func (o *countImpl) apply(_ *evalCtx, a []value) (value, error) {
	m := levelIndex(a[0].levels, indexOf(o.st.Levels))
	lv := make([]float64, len(m))
	for i, j := range m {
		if j >= 0 {
			lv[i] = o.st.Counts[j]
		}
	}
	return value{num: broadcast(a[0].codes, lv)}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// broadcast maps per-level values to rows; missing codes → NaN.
func broadcast(codes []int32, lv []float64) []float64 {
	out := make([]float64, len(codes))
	for i, c := range codes {
		if c < 0 {
			out[i] = math.NaN()
		} else {
			out[i] = lv[c]
		}
	}
	return out
}

// targetMeanImpl: smoothed positive rate per level, out-of-fold on training rows.
type targetMeanImpl struct {
	m  float64
	st struct {
		Levels    []string `json:"levels"`
		Rows      floats   `json:"rows"`
		Positives floats   `json:"positives"`
		MissRows  float    `json:"missing_rows"`
		MissPos   float    `json:"missing_positives"`
		Prior     float    `json:"prior"`
	}
}

func (o *targetMeanImpl) state() any { return &o.st }

// encode is the additive-smoothing estimate (pos + m·prior)/(n + m).
func encode(pos, n, m, prior float64) float64 {
	if n+m == 0 {
		return prior
	}
	return (pos + m*prior) / (n + m)
}

func (o *targetMeanImpl) fit(ec *evalCtx, a []value) (value, error) {
	if ec.y == nil {
		return value{}, fmt.Errorf("target_mean needs the training labels (y)")
	}
	codes, L := a[0].codes, len(a[0].levels)
	K := ec.nfolds
	// per (level, fold) counts; the last level slot is "missing".
	n := make([]float64, (L+1)*K)
	p := make([]float64, (L+1)*K)
	foldN := make([]float64, K)
	foldP := make([]float64, K)
	for i, c := range codes {
		l := int(c)
		if c < 0 {
			l = L
		}
		f := int(ec.folds[i])
		n[l*K+f]++
		p[l*K+f] += ec.y[i]
		foldN[f]++
		foldP[f] += ec.y[i]
	}
	var totN, totP float64
	for f := range K {
		totN += foldN[f]
		totP += foldP[f]
	}
	// full-train table, used by apply.
	o.st.Levels = []string{}
	o.st.Rows, o.st.Positives = floats{}, floats{}
	for l := 0; l <= L; l++ {
		var ln, lp float64
		for f := range K {
			ln += n[l*K+f]
			lp += p[l*K+f]
		}
		if l == L {
			o.st.MissRows, o.st.MissPos = float(ln), float(lp)
		} else if ln > 0 {
			o.st.Levels = append(o.st.Levels, a[0].levels[l])
			o.st.Rows = append(o.st.Rows, ln)
			o.st.Positives = append(o.st.Positives, lp)
		}
	}
	o.st.Prior = float(safeDiv(totP, totN))
	if totN == 0 {
		o.st.Prior = 0
	}
	// out-of-fold: row i in fold f is encoded from the rows of the other folds.
	lvlN := make([]float64, L+1)
	lvlP := make([]float64, L+1)
	for l := 0; l <= L; l++ {
		for f := range K {
			lvlN[l] += n[l*K+f]
			lvlP[l] += p[l*K+f]
		}
	}
	out := make([]float64, len(codes))
	for i, c := range codes {
		l := int(c)
		if c < 0 {
			l = L
		}
		f := int(ec.folds[i])
		restN := totN - foldN[f]
		prior := float64(o.st.Prior)
		if restN > 0 {
			prior = (totP - foldP[f]) / restN
		}
		out[i] = encode(lvlP[l]-p[l*K+f], lvlN[l]-n[l*K+f], o.m, prior)
	}
	return value{num: out}, nil
}

func (o *targetMeanImpl) apply(_ *evalCtx, a []value) (value, error) {
	m := levelIndex(a[0].levels, indexOf(o.st.Levels))
	prior := float64(o.st.Prior)
	lv := make([]float64, len(m))
	for i, j := range m {
		if j >= 0 {
			lv[i] = encode(o.st.Positives[j], o.st.Rows[j], o.m, prior)
		} else {
			lv[i] = prior
		}
	}
	miss := encode(float64(o.st.MissPos), float64(o.st.MissRows), o.m, prior)
	out := make([]float64, len(a[0].codes))
	for i, c := range a[0].codes {
		if c < 0 {
			out[i] = miss
		} else {
			out[i] = lv[c]
		}
	}
	return value{num: out}, nil
}

const (
	otherLevel = "__other__"
	rareLevel  = "__rare__"
)

// crossImpl: the pair "a|b", capped to the most frequent training pairs.
type crossImpl struct {
	maxLevels int
	st        struct {
		Keep []string `json:"keep"` // kept pairs, most frequent first; the output adds __other__
	}
}

func (o *crossImpl) state() any { return &o.st }

// pairs returns, per row, an index into the distinct pairs present and the
// pairs' texts.
func pairs(a, b value) ([]int32, []string) {
	nb := int64(len(b.levels))
	var texts []string
	out := make([]int32, len(a.codes))
	// A dense table of pair ids when the product of the dictionaries is
	// small, else a map.
	var dense []int32
	if total := int64(len(a.levels)) * nb; total <= 1<<22 {
		dense = make([]int32, total)
		for i := range dense {
			dense[i] = -1
		}
	}
	ids := map[int64]int32{}
	for i := range out {
		ca, cb := a.codes[i], b.codes[i]
		if ca < 0 || cb < 0 {
			out[i] = -1
			continue
		}
		key := int64(ca)*nb + int64(cb)
		if dense != nil {
			id := dense[key]
			if id < 0 {
				id = int32(len(texts))
				dense[key] = id
				texts = append(texts, a.levels[ca]+"|"+b.levels[cb])
			}
			out[i] = id
			continue
		}
		id, ok := ids[key]
		if !ok {
			id = int32(len(texts))
			ids[key] = id
			texts = append(texts, a.levels[ca]+"|"+b.levels[cb])
		}
		out[i] = id
	}
	return out, texts
}

func (o *crossImpl) fit(ec *evalCtx, a []value) (value, error) {
	ids, texts := pairs(a[0], a[1])
	cnt := make([]int, len(texts))
	for _, id := range ids {
		if id >= 0 {
			cnt[id]++
		}
	}
	order := make([]int, len(texts))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if cnt[x] != cnt[y] {
			return cnt[x] > cnt[y]
		}
		return texts[x] < texts[y]
	})
	keep := min(len(order), o.maxLevels-1)
	o.st.Keep = make([]string, keep)
	for i := range keep {
		o.st.Keep[i] = texts[order[i]]
	}
	return o.apply(ec, a)
}

func (o *crossImpl) apply(_ *evalCtx, a []value) (value, error) {
	ids, texts := pairs(a[0], a[1])
	m := levelIndex(texts, indexOf(o.st.Keep))
	other := int32(len(o.st.Keep))
	out := make([]int32, len(ids))
	for i, id := range ids {
		switch {
		case id < 0:
			out[i] = -1
		case m[id] < 0:
			out[i] = other
		default:
			out[i] = m[id]
		}
	}
	return value{codes: out, levels: append(append([]string{}, o.st.Keep...), otherLevel)}, nil
}

// rareImpl folds levels seen fewer than minCount times in training into __rare__.
type rareImpl struct {
	minCount int
	st       struct {
		Keep []string `json:"keep"`
	}
}

func (o *rareImpl) state() any { return &o.st }

func (o *rareImpl) fit(ec *evalCtx, a []value) (value, error) {
	ls, cs := presentLevels(a[0].codes, a[0].levels)
	o.st.Keep = []string{}
	for i, l := range ls {
		if cs[i] >= o.minCount {
			o.st.Keep = append(o.st.Keep, l)
		}
	}
	return o.apply(ec, a)
}

func (o *rareImpl) apply(_ *evalCtx, a []value) (value, error) {
	m := levelIndex(a[0].levels, indexOf(o.st.Keep))
	rare := int32(len(o.st.Keep))
	out := make([]int32, len(a[0].codes))
	for i, c := range a[0].codes {
		switch {
		case c < 0:
			out[i] = -1
		case m[c] < 0:
			out[i] = rare
		default:
			out[i] = m[c]
		}
	}
	return value{codes: out, levels: append(append([]string{}, o.st.Keep...), rareLevel)}, nil
}

// hashImpl: stateless bucket of the level's FNV-1a hash.
type hashImpl struct{ buckets int }

// FNV-1a, 32 bit (Fowler, Noll, Vo; draft-eastlake-fnv): fnvAdd continues
// a hash over more bytes, so a bigram hashes without building its string.
const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

func fnvAdd(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime32
	}
	return h
}

func fnv32(s string) uint32 { return fnvAdd(fnvOffset32, s) }

func (o hashImpl) apply(_ *evalCtx, a []value) (value, error) {
	lv := make([]int32, len(a[0].levels))
	for i, l := range a[0].levels {
		lv[i] = int32(fnv32(l) % uint32(o.buckets))
	}
	out := make([]int32, len(a[0].codes))
	for i, c := range a[0].codes {
		if c < 0 {
			out[i] = -1
		} else {
			out[i] = lv[c]
		}
	}
	levels := make([]string, o.buckets)
	for i := range levels {
		levels[i] = "h" + strconv.Itoa(i)
	}
	return value{codes: out, levels: levels}, nil
}

// categoryImpl turns exact numeric values into levels.
type categoryImpl struct{}

func (categoryImpl) apply(_ *evalCtx, a []value) (value, error) {
	ids := map[float64]int32{}
	var levels []string
	out := make([]int32, len(a[0].num))
	for i, v := range a[0].num {
		if v != v {
			out[i] = -1
			continue
		}
		v = normZero(v)
		id, ok := ids[v]
		if !ok {
			id = int32(len(levels))
			ids[v] = id
			levels = append(levels, formatNumber(v))
		}
		out[i] = id
	}
	return value{codes: out, levels: levels}, nil
}
