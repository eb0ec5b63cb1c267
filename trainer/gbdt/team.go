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
// A section is a few tasks (a chunk of rows, or one worker's share of the
// features). The caller publishes them with a new generation and takes
// tasks itself; the others (helpers) wait for the generation to move,
// polling it for a while before they park on a channel, so a section that
// follows another closely starts without a system call, and take tasks
// too. Tasks are taken with a compare-and-swap on one word (generation,
// task count, next task), so a helper late to a section (descheduled on a
// busy machine) finds its tasks done by the caller instead of making the
// caller wait for it. A section ends when every task is done (join); the
// caller polls that count, then parks, the same way.
//
// A section cuts its work exactly as the goroutine-per-chunk code did
// (chunks, each), and a task's result does not depend on who runs it, so
// the float sums, and the models, are the same bytes at any thread count.
// A team is used by one goroutine (the one that made it), and a section's
// work must not start another; close stops its helpers.
type team struct {
	size int // workers, the caller included
	spin int // polls before a waiting goroutine parks; 0 when helpers would share processors

	// the section, written by the caller before it publishes the section
	// and read by a helper only while it holds one of its tasks
	each    func(w, workers int) // task w runs each(w, workers)
	workers int
	fn      func(lo, hi int) // or task c runs fn on chunk c of n rows
	n       int
	chunk   int

	_       [64]byte
	claim   atomic.Uint64 // generation << 32 | tasks << 16 | next task
	_       [56]byte
	done    atomic.Int32  // tasks of the section done
	waiting atomic.Uint64 // 1 + the generation the caller is parked in join for, else 0
	stop    atomic.Bool
	_       [48]byte

	joined   chan struct{} // the last task done wakes a parked caller
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
// some hundreds of microseconds, longer than the serial work between two
// sections of a tree (a split's bookkeeping, a partition's join) and than
// most waits at a join (renewLeaves' largest leaf). At 1 << 15 polls a
// fraud 1M fit (2 threads, 16 gradient levels, renewed leaves) still
// parked and woke often enough that 1 << 17 took its boosting from
// 2.79-2.91 s to 2.32-2.42 s (quiet machine, interleaved), with no more
// CPU time; 1 << 18 and 1 << 19 did no better.
const teamSpin = 1 << 17

// teamYield: a polling goroutine lets others run every so many polls.
const teamYield = 1 << 10

// newTeam starts the helpers of a team of size workers (the caller
// included; at most maxThreads). Helpers poll only when every worker can
// have a processor of its own (GOMAXPROCS): otherwise a polling helper
// would take the processor of a worker with work to do.
func newTeam(size int) *team {
	t := &team{size: min(max(size, 1), maxThreads), joined: make(chan struct{}, 1)}
	if t.size <= runtime.GOMAXPROCS(0) {
		t.spin = teamSpin
	}
	t.helpers = make([]teamHelper, t.size-1)
	for i := range t.helpers {
		t.helpers[i].wake = make(chan struct{}, 1)
		t.exited.Add(1)
		go t.helper(&t.helpers[i])
	}
	return t
}

// close stops the helpers and waits until they have returned. A closed
// team runs every section on the caller.
func (t *team) close() {
	if t.stop.Load() || len(t.helpers) == 0 {
		return
	}
	t.stop.Store(true)
	t.publish(0)
	t.exited.Wait()
	t.helpers = nil
}

// publish starts a section of tasks tasks under the next generation,
// which it returns, and wakes the parked helpers.
func (t *team) publish(tasks int) uint32 {
	gen := uint32(t.claim.Load()>>32) + 1
	t.claim.Store(uint64(gen)<<32 | uint64(tasks)<<16)
	for i := range t.helpers {
		h := &t.helpers[i]
		if h.parked.Load() == 1 && h.parked.CompareAndSwap(1, 0) {
			h.wake <- struct{}{}
		}
	}
	return gen
}

// take claims the next task of generation gen's section; ok is false when
// none is left (or another section has started).
func (t *team) take(gen uint32) (task, tasks int, ok bool) {
	for {
		c := t.claim.Load()
		task, tasks = int(c&0xffff), int(c>>16&0xffff)
		if uint32(c>>32) != gen || task >= tasks {
			return 0, 0, false
		}
		if t.claim.CompareAndSwap(c, c+1) {
			return task, tasks, true
		}
	}
}

// runTasks runs tasks of generation gen's section until none is left.
func (t *team) runTasks(gen uint32) {
	for {
		task, tasks, ok := t.take(gen)
		if !ok {
			return
		}
		if t.each != nil {
			t.each(task, t.workers)
		} else {
			lo := task * t.chunk
			t.fn(lo, min(lo+t.chunk, t.n))
		}
		// only for this section's generation: the caller may have seen
		// the count, gone on, and be parked in the next section already
		if int(t.done.Add(1)) == tasks && t.waiting.CompareAndSwap(uint64(gen)+1, 0) {
			t.joined <- struct{}{}
		}
	}
}

func (t *team) helper(h *teamHelper) {
	defer t.exited.Done()
	seen := uint32(0) // not the current generation: the first section may have started
	for {
		seen = t.await(seen, h)
		if t.stop.Load() {
			return
		}
		t.runTasks(seen)
	}
}

// await waits until the generation moves past seen and returns it.
func (t *team) await(seen uint32, h *teamHelper) uint32 {
	for i := 1; i <= t.spin; i++ {
		if g := uint32(t.claim.Load() >> 32); g != seen {
			return g
		}
		if i%teamYield == 0 {
			runtime.Gosched()
		}
	}
	h.parked.Store(1)
	if g := uint32(t.claim.Load() >> 32); g != seen && h.parked.CompareAndSwap(1, 0) {
		return g
	}
	// the caller saw parked == 1 and sends (or has sent) a wake-up
	<-h.wake
	return uint32(t.claim.Load() >> 32)
}

// join waits until the tasks tasks of generation gen's section are done.
func (t *team) join(gen uint32, tasks int) {
	for i := 1; i <= t.spin; i++ {
		if int(t.done.Load()) == tasks {
			return
		}
		if i%teamYield == 0 {
			runtime.Gosched()
		}
	}
	t.waiting.Store(uint64(gen) + 1)
	if int(t.done.Load()) == tasks && t.waiting.CompareAndSwap(uint64(gen)+1, 0) {
		return
	}
	<-t.joined
}

// section runs the section set in t's fields as tasks tasks.
func (t *team) section(tasks int) {
	t.sections++
	t.done.Store(0)
	gen := t.publish(tasks)
	t.runTasks(gen)
	t.join(gen, tasks)
	t.each, t.fn = nil, nil
}

// parallel reports whether sections run on more than one worker.
func (t *team) parallel() bool { return len(t.helpers) > 0 && !t.stop.Load() }

// onEach runs each(w, workers) for every worker w < workers (at most the
// team's size), each w once, on whichever worker takes it.
func (t *team) onEach(workers int, each func(w, workers int)) {
	workers = min(workers, t.size)
	if workers <= 1 || !t.parallel() {
		each(0, 1)
		return
	}
	t.each, t.workers = each, workers
	t.section(workers)
}

// chunks runs fn on [0,size), [size,2*size), ... up to n, the chunks in
// parallel (as parallelChunks, which starts a goroutine per chunk).
func (t *team) chunks(n, size int, fn func(lo, hi int)) {
	if size >= n {
		fn(0, n)
		return
	}
	tasks := (n + size - 1) / size
	if !t.parallel() || tasks > 0xffff {
		for lo := 0; lo < n; lo += size {
			fn(lo, min(lo+size, n))
		}
		return
	}
	t.fn, t.n, t.chunk = fn, n, size
	t.section(tasks)
}

// rows runs fn over [0,n) in contiguous chunks, one per worker (one chunk
// when n is small), as parallelRows with the team's size.
func (t *team) rows(n int, fn func(lo, hi int)) {
	t.chunks(n, rowChunk(n, t.size), fn)
}
