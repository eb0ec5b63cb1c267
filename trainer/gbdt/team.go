package gbdt

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// team runs the parallel sections of one Train call on goroutines started
// once, when the call starts, instead of on goroutines started for each
// section. A tree of 31 leaves has some 100 sections (gradients, the
// gathers and histograms of every leaf, every partition, the score
// update), so a fit of 200 trees has some 20,000: starting goroutines and
// waking an idle processor for each (a futex call) cost more than the
// second core saved on small leaves.
//
// The caller is worker 0 and runs its share of each section itself; the
// others (helpers) wait between sections for the team's generation to
// move, polling it for a while before they park on a channel, so a section
// that follows another closely starts without a system call. A section
// ends when every helper has counted itself out (join); the caller polls
// that count, then parks, the same way.
//
// A section cuts its work exactly as the goroutine-per-chunk code did
// (chunks, each), so the float sums, and the models, are the same bytes at
// any thread count. A team is used by one goroutine (the one that made
// it), and a section's work must not start another; close stops its
// helpers.
type team struct {
	size int // workers, the caller included
	spin int // polls before a waiting goroutine parks; 0 when helpers would share processors

	// the section, written by the caller before gen moves and read by the
	// helpers after they see it move
	each    func(w, workers int) // each worker w < workers runs each(w, workers)
	workers int
	fn      func(lo, hi int) // or chunks of n rows, chunk c on worker c % size
	n       int
	chunk   int
	stop    bool

	_       [64]byte
	gen     atomic.Uint32 // moved by the caller to start a section (or to stop)
	_       [60]byte
	pending atomic.Int32 // helpers still in the section
	waiting atomic.Int32 // 1 while the caller is parked in join
	_       [56]byte

	joined   chan struct{} // the last helper out wakes a parked caller
	helpers  []teamHelper
	exited   sync.WaitGroup
	sections int // sections run on more than one worker
}

type teamHelper struct {
	parked atomic.Int32 // 1 while parked (or about to be) on wake
	wake   chan struct{}
	_      [48]byte
}

// teamSpin is how many times a waiting goroutine polls before it parks:
// some tens of microseconds, longer than the serial work between two
// sections of a tree (a split's bookkeeping, a partition's join) and far
// shorter than a park and wake-up of a processor.
const teamSpin = 1 << 15

// teamYield: a polling goroutine lets others run every so many polls.
const teamYield = 1 << 10

// newTeam starts the helpers of a team of size workers (the caller
// included). Helpers poll only when every worker can have a processor of
// its own (GOMAXPROCS): otherwise a polling helper would take the
// processor of a worker with work to do.
func newTeam(size int) *team {
	t := &team{size: max(size, 1), joined: make(chan struct{}, 1)}
	if t.size <= runtime.GOMAXPROCS(0) {
		t.spin = teamSpin
	}
	t.helpers = make([]teamHelper, t.size-1)
	for i := range t.helpers {
		t.helpers[i].wake = make(chan struct{}, 1)
		t.exited.Add(1)
		go t.helper(i + 1)
	}
	return t
}

// close stops the helpers and waits until they have returned. A closed
// team runs every section on the caller.
func (t *team) close() {
	if t.stop || len(t.helpers) == 0 {
		return
	}
	t.stop = true
	t.start()
	t.exited.Wait()
	t.helpers = nil
}

// start moves the generation and wakes the parked helpers.
func (t *team) start() {
	t.gen.Add(1)
	for i := range t.helpers {
		h := &t.helpers[i]
		if h.parked.Load() == 1 && h.parked.CompareAndSwap(1, 0) {
			h.wake <- struct{}{}
		}
	}
}

func (t *team) helper(w int) {
	defer t.exited.Done()
	h := &t.helpers[w-1]
	seen := uint32(0) // not t.gen.Load(): the first section may have started
	for {
		seen = t.await(seen, h)
		if t.stop {
			return
		}
		t.work(w)
		if t.pending.Add(-1) == 0 && t.waiting.CompareAndSwap(1, 0) {
			t.joined <- struct{}{}
		}
	}
}

// await waits until the generation moves past seen and returns it.
func (t *team) await(seen uint32, h *teamHelper) uint32 {
	for i := 1; i <= t.spin; i++ {
		if g := t.gen.Load(); g != seen {
			return g
		}
		if i%teamYield == 0 {
			runtime.Gosched()
		}
	}
	h.parked.Store(1)
	if g := t.gen.Load(); g != seen && h.parked.CompareAndSwap(1, 0) {
		return g
	}
	// the caller saw parked == 1 and sends (or has sent) a wake-up
	<-h.wake
	return t.gen.Load()
}

// join waits until every helper is out of the section.
func (t *team) join() {
	for i := 1; i <= t.spin; i++ {
		if t.pending.Load() == 0 {
			return
		}
		if i%teamYield == 0 {
			runtime.Gosched()
		}
	}
	t.waiting.Store(1)
	if t.pending.Load() == 0 && t.waiting.CompareAndSwap(1, 0) {
		return
	}
	<-t.joined
}

// work runs worker w's share of the current section.
func (t *team) work(w int) {
	if t.each != nil {
		if w < t.workers {
			t.each(w, t.workers)
		}
		return
	}
	step := t.size * t.chunk
	for lo := w * t.chunk; lo < t.n; lo += step {
		t.fn(lo, min(lo+t.chunk, t.n))
	}
}

// section runs the section set in t's fields on every worker.
func (t *team) section() {
	t.sections++
	t.pending.Store(int32(len(t.helpers)))
	t.start()
	t.work(0)
	t.join()
	t.each, t.fn = nil, nil
}

// parallel reports whether sections run on more than one worker.
func (t *team) parallel() bool { return len(t.helpers) > 0 && !t.stop }

// onEach runs each(w, workers) for every worker w < workers (at most the
// team's size), worker 0 on the caller.
func (t *team) onEach(workers int, each func(w, workers int)) {
	workers = min(workers, t.size)
	if workers <= 1 || !t.parallel() {
		each(0, 1)
		return
	}
	t.each, t.workers = each, workers
	t.section()
}

// chunks runs fn on [0,size), [size,2*size), ... up to n, each chunk on
// its own worker when there are at most as many chunks as workers (as
// parallelChunks, which starts a goroutine per chunk).
func (t *team) chunks(n, size int, fn func(lo, hi int)) {
	if size >= n {
		fn(0, n)
		return
	}
	if !t.parallel() {
		for lo := 0; lo < n; lo += size {
			fn(lo, min(lo+size, n))
		}
		return
	}
	t.fn, t.n, t.chunk = fn, n, size
	t.section()
}

// rows runs fn over [0,n) in contiguous chunks, one per worker (one chunk
// when n is small), as parallelRows with the team's size.
func (t *team) rows(n int, fn func(lo, hi int)) {
	if t.size <= 1 || n < 4096 {
		fn(0, n)
		return
	}
	t.chunks(n, (n+t.size-1)/t.size, fn)
}
