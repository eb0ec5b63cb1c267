package experiment

import (
	"sync"

	"github.com/nightshift-ml/nightshift/journal"
)

// trialWriter journals a session's trial records off its workers' path.
// A worker hands its record over and goes on to its next trial; one
// goroutine commits whatever has gathered meanwhile in one transaction
// (journal.Commit) and only then runs each record's after, which is where
// the session counts an ended trial: nothing is reported finished — by
// the progress line, the summary, the planner's history — before it is on
// disk, so a SIGKILL loses nothing reported finished. Each commit's fsyncs
// took a worker off its core for 10–35 ms per trial (a trial written
// running, linked to its proposal, written ended: three commits, measured
// at 11.7 ms each on the shared machine), against trials of 100–300 ms on
// a small table (issue 20: the process at 158% of 200% CPU).
type trialWriter struct {
	j     *journal.Journal
	study string
	fail  func(error) // the first failed commit; later writes are dropped

	mu     sync.Mutex
	queue  []trialWrite
	closed bool
	wake   chan struct{} // capacity 1: there is something to look at
	done   chan struct{} // closed when the goroutine has written everything
}

// trialWrite is one record to journal and what to do once it is on disk,
// or a barrier: a channel closed once everything queued before it is
// written (or its commit failed).
type trialWrite struct {
	trial   journal.Trial
	link    *journal.Link
	events  []journal.Event
	after   func()
	barrier chan struct{}
}

func newTrialWriter(j *journal.Journal, study string, fail func(error)) *trialWriter {
	w := &trialWriter{j: j, study: study, fail: fail, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.loop()
	return w
}

// add queues a record; it does not wait for the disk.
func (w *trialWriter) add(x trialWrite) {
	w.mu.Lock()
	w.queue = append(w.queue, x)
	w.mu.Unlock()
	w.signal()
}

func (w *trialWriter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// flush returns once every record queued before it is on disk and its
// after has run (or the writer failed): the planner is called after a
// flush, so it sees every trial that ended before it was asked.
func (w *trialWriter) flush() {
	ch := make(chan struct{})
	w.add(trialWrite{barrier: ch})
	<-ch
}

// close writes what is queued and stops the goroutine; no add may follow.
func (w *trialWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.signal()
	<-w.done
}

func (w *trialWriter) loop() {
	defer close(w.done)
	failed := false
	for range w.wake {
		w.mu.Lock()
		batch, closed := w.queue, w.closed
		w.queue = nil
		w.mu.Unlock()
		if len(batch) > 0 && !failed {
			var b journal.Batch
			for _, x := range batch {
				if x.barrier != nil {
					continue
				}
				b.Trials = append(b.Trials, x.trial)
				if x.link != nil {
					b.Links = append(b.Links, *x.link)
				}
				b.Events = append(b.Events, x.events...)
			}
			if b.Len() == 0 {
				// Only barriers.
			} else if err := w.j.Commit(w.study, b); err != nil {
				failed = true
				w.fail(err)
			} else {
				for _, x := range batch {
					if x.after != nil {
						x.after()
					}
				}
			}
		}
		for _, x := range batch {
			if x.barrier != nil {
				close(x.barrier)
			}
		}
		if closed {
			w.mu.Lock()
			empty := len(w.queue) == 0
			w.mu.Unlock()
			if empty {
				return
			}
			w.signal()
		}
	}
}
