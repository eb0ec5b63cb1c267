package dsl

import (
	"math"
	"slices"
)

// groupImpl computes group_count/mean/std/max/nunique. Arguments are
// [x] [by] [time]. Without time the statistic is a table over the training
// rows; with time it is point-in-time over the event history. Without by
// (allowed only with time) every row belongs to one group, allGroup.
type groupImpl struct {
	stat    string // count, mean, std, max, nunique
	hasX    bool
	xCat    bool    // x is categorical (nunique of levels)
	window  float64 // seconds; 0 = all earlier rows
	pit     bool
	allRows bool
	st      groupState
}

// allGroup is the level of the single group when by is left out.
const allGroup = "*"

// groupState is the fitted state. Static: Levels with their statistic in
// Values. Point-in-time: the training events sorted by (group, time):
// group index G into Groups, time T, and x in X (for categorical x, an index
// into XLevels).
type groupState struct {
	Levels  []string `json:"levels,omitempty"`
	Values  floats   `json:"values,omitempty"`
	Groups  []string `json:"groups,omitempty"`
	G       []int32  `json:"g,omitempty"`
	T       floats   `json:"t,omitempty"`
	X       floats   `json:"x,omitempty"`
	XLevels []string `json:"x_levels,omitempty"`
}

func (o *groupImpl) state() any { return &o.st }

// split returns the x, by and time arguments; without by, a single group
// holding every row (by is left out only with time, which sizes it).
func (o *groupImpl) split(a []value) (x, by, t value) {
	if o.hasX {
		x, a = a[0], a[1:]
	}
	if o.pit {
		t = a[len(a)-1]
	}
	if o.allRows {
		by = value{codes: make([]int32, len(t.num)), levels: []string{allGroup}}
	} else {
		by = a[0]
	}
	return
}

// xKeys turns x into float64 keys: numbers as is, categorical levels as
// indices into dict (extended with new levels).
func xKeys(x value, isCat bool, dict *[]string) []float64 {
	if !isCat {
		return x.num
	}
	m := indexOf(*dict)
	lv := make([]float64, len(x.levels))
	for i, l := range x.levels {
		j, ok := m[l]
		if !ok {
			j = int32(len(*dict))
			*dict = append(*dict, l)
			m[l] = j
		}
		lv[i] = float64(j)
	}
	return broadcast(x.codes, lv)
}

func (o *groupImpl) fit(ec *evalCtx, a []value) (value, error) {
	if o.pit {
		o.st = groupState{}
		out := o.pointInTime(ec, a, true)
		return value{num: out}, nil
	}
	x, by, _ := o.split(a)
	var xs []float64
	if o.hasX {
		var dict []string
		xs = xKeys(x, o.xCat, &dict)
	}
	L := len(by.levels)
	aggs := make([]aggregator, L)
	for i := range aggs {
		aggs[i] = newAggregator(o.stat)
	}
	for i, c := range by.codes {
		if c < 0 {
			continue
		}
		xv := 0.0
		if xs != nil {
			xv = xs[i]
		}
		aggs[c].add(xv)
	}
	o.st = groupState{Levels: []string{}, Values: floats{}}
	for l, ag := range aggs {
		if ag.rows > 0 {
			o.st.Levels = append(o.st.Levels, by.levels[l])
			o.st.Values = append(o.st.Values, ag.value())
		}
	}
	return value{num: o.leaveOneOut(by.codes, xs, aggs)}, nil
}

// leaveOneOut is the training rows' output of a static aggregate: each row
// gets its group's statistic without the row itself. The table holds
// training rows only, so a new row of the group sees exactly the other rows;
// with the row included, a training row of a small group would see its own
// value (a group_mean over near-unique keys is then a copy of x on training
// rows and missing on new rows — a model learns the copy and fails on every
// new row; on creditcard_10k, group means by category(Amount) lost 0.0036
// CV AUC that way). A row alone in its group gets what an unseen group gets:
// count 0, other statistics missing.
func (o *groupImpl) leaveOneOut(codes []int32, xs []float64, aggs []aggregator) []float64 {
	var top1, top2 []float64 // group_max: the largest two x of each group
	var ntop1 []int          // how many rows hold top1
	if o.stat == "max" {
		top1, top2, ntop1 = make([]float64, len(aggs)), make([]float64, len(aggs)), make([]int, len(aggs))
		for l := range aggs {
			top1[l], top2[l] = math.Inf(-1), math.Inf(-1)
		}
		for i, c := range codes {
			switch x := xs[i]; {
			case c < 0 || x != x:
			case x > top1[c]:
				top1[c], top2[c], ntop1[c] = x, top1[c], 1
			case x == top1[c]:
				ntop1[c]++
			case x > top2[c]:
				top2[c] = x
			}
		}
	}
	out := nanSlice(len(codes))
	for i, c := range codes {
		if c < 0 {
			continue
		}
		ag := &aggs[c]
		if o.stat == "count" || ag.rows == 1 {
			if o.stat == "count" {
				out[i] = float64(ag.rows - 1)
			}
			continue
		}
		x := math.NaN()
		if xs != nil {
			x = xs[i]
		}
		n := ag.n
		if x == x {
			n--
		}
		switch o.stat {
		case "nunique":
			u := len(ag.uniq)
			if x == x && ag.uniq[normZero(x)] == 1 {
				u--
			}
			out[i] = float64(u)
		case "mean", "std":
			if n == 0 {
				continue
			}
			sum, sumsq := ag.sum, ag.sumsq
			if x == x {
				d := x - ag.ref
				sum, sumsq = sum-d, sumsq-d*d
			}
			m := sum / float64(n)
			if o.stat == "mean" {
				out[i] = ag.ref + m
			} else {
				out[i] = math.Sqrt(max(0, sumsq/float64(n)-m*m))
			}
		case "max":
			switch {
			case n == 0:
			case x == top1[c] && ntop1[c] == 1:
				out[i] = top2[c]
			default:
				out[i] = top1[c]
			}
		}
	}
	return out
}

func (o *groupImpl) apply(ec *evalCtx, a []value) (value, error) {
	if o.pit {
		return value{num: o.pointInTime(ec, a, false)}, nil
	}
	_, by, _ := o.split(a)
	m := levelIndex(by.levels, indexOf(o.st.Levels))
	lv := make([]float64, len(m))
	for i, j := range m {
		switch {
		case j >= 0:
			lv[i] = o.st.Values[j]
		case o.stat == "count":
			lv[i] = 0
		default:
			lv[i] = math.NaN()
		}
	}
	return value{num: broadcast(by.codes, lv)}, nil
}

// pointInTime evaluates the aggregate for every row over the events of its
// group strictly earlier in time (and within the window). The events are the
// stored training history plus the rows being evaluated; when fitting, the
// history is empty and the training rows become the stored history.
func (o *groupImpl) pointInTime(ec *evalCtx, a []value, fitting bool) []float64 {
	x, by, tv := o.split(a)
	groups, lg := o.groupIndex(by.levels)
	xLevels := append([]string{}, o.st.XLevels...)
	var xs []float64
	if o.hasX {
		xs = xKeys(x, o.xCat, &xLevels)
	}
	evs := o.events(by.codes, tv.num, lg, xs)
	sorted, start := sortByGroup(evs, len(groups))
	out := o.aggregateEarlier(sorted, start, len(by.codes))
	if fitting {
		o.st = o.history(groups, xLevels, sorted)
	}
	return out
}

// pitEvent is one event of the point-in-time history: group g, time t and
// x; r is the current row, or -1 for a stored event.
type pitEvent struct {
	g int32
	t float64
	x float64
	r int32
}

// groupIndex extends the stored groups with by's new levels and maps each
// of by's levels to its group index.
func (o *groupImpl) groupIndex(levels []string) (groups []string, lg []int32) {
	groups = append([]string{}, o.st.Groups...)
	gm := indexOf(groups)
	lg = make([]int32, len(levels))
	for i, l := range levels {
		j, ok := gm[l]
		if !ok {
			j = int32(len(groups))
			groups = append(groups, l)
			gm[l] = j
		}
		lg[i] = j
	}
	return groups, lg
}

// events lists the stored history first (seq 0..nh-1), then the current
// rows that have a group and a time.
func (o *groupImpl) events(codes []int32, ts []float64, lg []int32, xs []float64) []pitEvent {
	nh := len(o.st.G)
	evs := make([]pitEvent, 0, nh+len(codes))
	for i := range nh {
		xv := 0.0
		if o.hasX {
			xv = o.st.X[i]
		}
		evs = append(evs, pitEvent{g: o.st.G[i], t: o.st.T[i], x: xv, r: -1})
	}
	for i, c := range codes {
		t := ts[i]
		if c < 0 || t != t {
			continue
		}
		xv := 0.0
		if xs != nil {
			xv = xs[i]
		}
		evs = append(evs, pitEvent{g: lg[c], t: t, x: xv, r: int32(i)})
	}
	return evs
}

// sortByGroup is a counting sort of evs by group, keeping their order
// within each: O(n) for the grouping. Group g's events are
// sorted[start[g]:start[g+1]].
func sortByGroup(evs []pitEvent, ngroups int) (sorted []pitEvent, start []int) {
	start = make([]int, ngroups+1)
	for _, e := range evs {
		start[e.g+1]++
	}
	for g := 1; g <= ngroups; g++ {
		start[g] += start[g-1]
	}
	sorted = make([]pitEvent, len(evs))
	pos := append([]int{}, start...)
	for _, e := range evs {
		sorted[pos[e.g]] = e
		pos[e.g]++
	}
	return sorted, start
}

// aggregateEarlier sorts each group's events by time, stably so that ties
// are deterministic, and gives every current row the aggregate of its
// group's events strictly earlier (and within the window); NaN for rows
// without a group or a time.
func (o *groupImpl) aggregateEarlier(sorted []pitEvent, start []int, rows int) []float64 {
	out := nanSlice(rows)
	ag := newAggregator(o.stat)
	for g := range len(start) - 1 {
		seg := sorted[start[g]:start[g+1]]
		if len(seg) == 0 {
			continue
		}
		slices.SortStableFunc(seg, func(p, q pitEvent) int {
			switch {
			case p.t < q.t:
				return -1
			case p.t > q.t:
				return 1
			}
			return 0
		})
		ag.reset()
		lo, hi := 0, 0
		for _, q := range seg {
			if q.r < 0 {
				continue
			}
			for hi < len(seg) && seg[hi].t < q.t {
				ag.push(hi, seg[hi].x)
				hi++
			}
			if o.window > 0 {
				for lo < hi && seg[lo].t < q.t-o.window {
					ag.pop(lo, seg[lo].x)
					lo++
				}
			}
			out[q.r] = ag.value()
		}
	}
	return out
}

// history is the fitted state: the training events sorted by (group, time),
// once aggregateEarlier has sorted each group by time.
func (o *groupImpl) history(groups, xLevels []string, sorted []pitEvent) groupState {
	st := groupState{Groups: groups, XLevels: xLevels, G: make([]int32, len(sorted)), T: make(floats, len(sorted))}
	if o.hasX {
		st.X = make(floats, len(sorted))
	}
	for i, e := range sorted {
		st.G[i], st.T[i] = e.g, e.t
		if o.hasX {
			st.X[i] = e.x
		}
	}
	if !o.xCat {
		st.XLevels = nil
	}
	return st
}

// aggregator keeps one group's statistic over a sliding set of events.
type aggregator struct {
	stat   string
	rows   int     // events, missing x included
	n      int     // events with x present
	ref    float64 // shift for a stable variance (first x seen)
	hasRef bool
	sum    float64
	sumsq  float64
	maxv   float64
	deque  []indexed // events in the window with decreasing x (sliding max)
	uniq   map[float64]int
}

type indexed struct {
	i int
	x float64
}

func newAggregator(stat string) aggregator {
	a := aggregator{stat: stat}
	a.reset()
	return a
}

func (a *aggregator) reset() {
	uniq := a.uniq
	if a.stat == "nunique" {
		if uniq == nil {
			uniq = map[float64]int{}
		}
		clear(uniq)
	}
	*a = aggregator{stat: a.stat, maxv: math.Inf(-1), deque: a.deque[:0], uniq: uniq}
}

// add is for the static tables (nothing is ever removed).
func (a *aggregator) add(x float64) {
	a.rows++
	if x != x {
		return
	}
	a.n++
	switch a.stat {
	case "mean", "std":
		a.accum(x, 1)
	case "max":
		a.maxv = max(a.maxv, x)
	case "nunique":
		a.uniq[normZero(x)]++
	}
}

func normZero(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x
}

func (a *aggregator) accum(x, sign float64) {
	if !a.hasRef {
		a.ref, a.hasRef = x, true
	}
	d := x - a.ref
	a.sum += sign * d
	a.sumsq += sign * d * d
}

// push adds event i with value x to the window.
func (a *aggregator) push(i int, x float64) {
	if a.stat != "max" {
		a.add(x)
		return
	}
	a.rows++
	if x != x {
		return
	}
	a.n++
	for len(a.deque) > 0 && a.deque[len(a.deque)-1].x <= x {
		a.deque = a.deque[:len(a.deque)-1]
	}
	a.deque = append(a.deque, indexed{i, x})
}

// pop removes event i (the oldest in the window) with value x.
func (a *aggregator) pop(i int, x float64) {
	a.rows--
	if x != x {
		return
	}
	a.n--
	switch a.stat {
	case "mean", "std":
		a.accum(x, -1)
	case "max":
		if len(a.deque) > 0 && a.deque[0].i == i {
			a.deque = a.deque[1:]
		}
	case "nunique":
		k := normZero(x)
		a.uniq[k]--
		if a.uniq[k] == 0 {
			delete(a.uniq, k)
		}
	}
}

func (a *aggregator) value() float64 {
	switch a.stat {
	case "count":
		return float64(a.rows)
	case "nunique":
		return float64(len(a.uniq))
	}
	if a.n == 0 {
		return math.NaN()
	}
	switch a.stat {
	case "mean":
		return a.ref + a.sum/float64(a.n)
	case "std":
		m := a.sum / float64(a.n)
		return math.Sqrt(max(0, a.sumsq/float64(a.n)-m*m))
	case "max":
		if len(a.deque) > 0 {
			return a.deque[0].x
		}
		return a.maxv
	}
	return math.NaN()
}
