package studyview

import (
	"cmp"
	"math"
	"slices"

	"github.com/nightshift-ml/nightshift/journal"
)

// PoolIndex keeps what Pool makes of a study's trials as they finish, so
// that a running study can ask for its best pooled specs before every
// planner call at a cost that does not grow with the study (issue 20: Pool
// copies every trial). Put each trial's new state as it changes; Best and
// Leader then answer what Pool followed by a scan of every trial would:
// the same trials (pooled ones as Pool builds them, bit for bit), in the
// same order, ties to the lower ID.
//
// Most specs never leave split 0, and their pooled form is the trial
// itself, whose lower bound (LowerBound) never changes once it is done:
// they sit in two heaps by lower bound, one for Leader and one for Best
// (which leaves out excluded specs and trials with fewer than two folds).
// The few raced specs — a split-0 trial with finished re-evaluations —
// are pooled anew, with the split offsets, whenever one of them changes:
// the cost of a re-evaluation is O(raced specs), of a query O(asked ·
// log n). Heap entries go stale when a spec is raced, excluded or put
// again; a stale entry is dropped when it reaches the top.
//
// The index holds no trial but the raced specs' re-evaluations; the
// caller's get returns a trial's latest state by ID. A PoolIndex is not
// safe for concurrent use (the study session holds its lock).
type PoolIndex struct {
	metric string
	data   int
	get    func(id uint64) (journal.Trial, bool)

	// ver is each plain spec's current heap version (absent: not a plain
	// done spec); an entry is live when its version is current.
	ver  map[uint64]uint64
	next uint64
	// leadHeap holds every plain done spec with a mean; bestHeap those
	// Best may return (two folds at least, not excluded).
	leadHeap, bestHeap lbHeap
	excluded           map[uint64]bool
	// reevals are the finished re-evaluations with scores, by the split-0
	// trial they re-evaluate, in ID order; raced the pooled raced specs,
	// best first, and racedBest those of them Best may return.
	reevals   map[uint64][]journal.Trial
	raced     []lbEntry
	racedBest []lbEntry
	pooled    map[uint64]journal.Trial
	buf       []lbEntry
}

// NewPoolIndex is an empty index for a study optimising metric whose
// data is now at version data (journal.Trial.Data: Best returns specs of
// that version only); get returns a trial's latest state.
func NewPoolIndex(metric string, data int, get func(id uint64) (journal.Trial, bool)) *PoolIndex {
	return &PoolIndex{metric: metric, data: data, get: get, ver: map[uint64]uint64{}, excluded: map[uint64]bool{},
		reevals: map[uint64][]journal.Trial{}, pooled: map[uint64]journal.Trial{}}
}

// lbEntry is a spec's lower bound in a heap (ver: its version) or in the
// raced list.
type lbEntry struct {
	lb  float64
	id  uint64
	ver uint64
}

// ahead orders entries best first: the higher lower bound, ties to the
// lower ID (LowerBound's order in Leader and the race's field).
func (a lbEntry) ahead(b lbEntry) bool { return a.lb > b.lb || (a.lb == b.lb && a.id < b.id) }

// Put records t's new state. t must be the state get returns for t.ID
// from now on.
func (p *PoolIndex) Put(t journal.Trial) {
	if t.Split != 0 {
		if t.State != journal.TrialDone || len(t.FoldScores) == 0 {
			return
		}
		rs := p.reevals[t.Of]
		i, found := slices.BinarySearchFunc(rs, t.ID, func(r journal.Trial, id uint64) int { return cmp.Compare(r.ID, id) })
		if found {
			rs[i] = t
		} else {
			rs = slices.Insert(rs, i, t)
		}
		p.reevals[t.Of] = rs
		p.unplain(t.Of)
		p.repool()
		return
	}
	p.unplain(t.ID)
	if len(p.reevals[t.ID]) > 0 {
		// A raced spec: its split-0 scores enter every split's offset.
		p.repool()
		return
	}
	if t.State != journal.TrialDone || len(t.FoldScores) == 0 || math.IsNaN(t.Mean) {
		return
	}
	p.next++
	p.ver[t.ID] = p.next
	e := lbEntry{lb: LowerBound(p.metric, t), id: t.ID, ver: p.next}
	p.leadHeap.push(e)
	if len(t.FoldScores) > 1 && !p.excluded[t.ID] && t.Data == p.data {
		p.bestHeap.push(e)
	}
}

// unplain makes the heaps' entries of spec id stale.
func (p *PoolIndex) unplain(id uint64) { delete(p.ver, id) }

// Exclude leaves spec id (its split-0 trial's ID) out of Best from now
// on; Leader still counts it.
func (p *PoolIndex) Exclude(id uint64) {
	p.excluded[id] = true
	p.racedBest = slices.DeleteFunc(p.racedBest, func(e lbEntry) bool { return e.id == id })
}

// repool pools every raced spec anew (Pool's splitOffsets and pooled, on
// the same trials in the same order) and orders them best first.
func (p *PoolIndex) repool() {
	ids := make([]uint64, 0, len(p.reevals))
	for id := range p.reevals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	spec := make([]journal.Trial, 0, len(ids))
	for _, id := range ids {
		if t, ok := p.get(id); ok && t.Split == 0 {
			spec = append(spec, t)
		}
	}
	offset := splitOffsets(spec, p.reevals)
	clear(p.pooled)
	p.raced = p.raced[:0]
	for _, t := range spec {
		if !poolable(t) {
			continue
		}
		t = pooled(t, p.reevals[t.ID], offset)
		p.pooled[t.ID] = t
		if t.State == journal.TrialDone && len(t.FoldScores) > 0 && !math.IsNaN(t.Mean) {
			p.raced = append(p.raced, lbEntry{lb: LowerBound(p.metric, t), id: t.ID})
		}
	}
	slices.SortFunc(p.raced, func(a, b lbEntry) int {
		if a.ahead(b) {
			return -1
		}
		if b.ahead(a) {
			return 1
		}
		return 0
	})
	p.racedBest = p.racedBest[:0]
	for _, e := range p.raced {
		if t := p.pooled[e.id]; !p.excluded[e.id] && len(t.FoldScores) > 1 && t.Data == p.data {
			p.racedBest = append(p.racedBest, e)
		}
	}
}

// Leader is Leader(metric, trials) over the trials put so far.
func (p *PoolIndex) Leader() (journal.Trial, bool) {
	top := p.top(&p.leadHeap, 1)
	var best lbEntry
	found := len(top) > 0
	if found {
		best = top[0]
	}
	if len(p.raced) > 0 && (!found || p.raced[0].ahead(best)) {
		return p.pooled[p.raced[0].id], true
	}
	if !found {
		return journal.Trial{}, false
	}
	return p.get(best.id)
}

// Best is up to n of the done specs with two folds or more, on the
// index's data version, that are not excluded, by pooled mean − SE best
// first (ties to the lower ID), each pooled as Pool pools it.
func (p *PoolIndex) Best(n int) []journal.Trial {
	var out []journal.Trial
	plain := p.topKeep(&p.bestHeap, n)
	raced := p.racedBest
	for len(out) < n {
		switch {
		case len(raced) > 0 && (len(plain) == 0 || raced[0].ahead(plain[0].e)):
			out = append(out, p.pooled[raced[0].id])
			raced = raced[1:]
		case len(plain) > 0:
			out = append(out, plain[0].t)
			plain = plain[1:]
		default:
			return out
		}
	}
	return out
}

// kept is a heap entry with its trial.
type kept struct {
	e lbEntry
	t journal.Trial
}

// topKeep is the n best live entries of h with their trials, best first;
// h is left holding the same live entries.
func (p *PoolIndex) topKeep(h *lbHeap, n int) []kept {
	var out []kept
	p.buf = p.buf[:0]
	for len(out) < n && len(*h) > 0 {
		e := h.pop()
		if p.ver[e.id] != e.ver || (h == &p.bestHeap && p.excluded[e.id]) {
			continue // stale: gone for good
		}
		p.buf = append(p.buf, e)
		if t, ok := p.get(e.id); ok {
			out = append(out, kept{e, t})
		}
	}
	for _, e := range p.buf {
		h.push(e)
	}
	return out
}

// top is the n best live entries of h, best first.
func (p *PoolIndex) top(h *lbHeap, n int) []lbEntry {
	p.buf = p.buf[:0]
	for len(p.buf) < n && len(*h) > 0 {
		if e := h.pop(); p.ver[e.id] == e.ver {
			p.buf = append(p.buf, e)
		}
	}
	out := p.buf
	for _, e := range out {
		h.push(e)
	}
	return out
}

// lbHeap is a binary heap of entries, the best (lbEntry.ahead) on top.
type lbHeap []lbEntry

func (h *lbHeap) push(e lbEntry) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		up := (i - 1) / 2
		if !s[i].ahead(s[up]) {
			break
		}
		s[i], s[up] = s[up], s[i]
		i = up
	}
}

func (h *lbHeap) pop() lbEntry {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, best := 2*i+1, i
		if l < len(s) && s[l].ahead(s[best]) {
			best = l
		}
		if r := l + 1; r < len(s) && s[r].ahead(s[best]) {
			best = r
		}
		if best == i {
			break
		}
		s[i], s[best] = s[best], s[i]
		i = best
	}
	*h = s
	return top
}
