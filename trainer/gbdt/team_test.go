package gbdt

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTeamCutsSectionsAsGoroutinesDid runs sections of every shape on
// teams that poll (at most GOMAXPROCS workers) and teams that park at once
// (more workers than processors): every chunk must run once, with the
// bounds parallelChunks gives it, and every worker of an each section
// once; what the workers wrote must be visible to the caller after the
// section (-race checks the hand-off).
func TestTeamCutsSectionsAsGoroutinesDid(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, size := range []int{1, 2, 3, procs, procs + 2} {
		tm := newTeam(size)
		for _, c := range []struct{ n, chunk int }{
			{0, 1}, {1, 1}, {10, 3}, {10, 10}, {10, 20}, {4096, 1366}, {100000, (100000 + size - 1) / size},
		} {
			var mu sync.Mutex
			var got [][2]int
			for range 3 { // three sections in a row: generations must not be missed
				got = got[:0]
				tm.chunks(c.n, c.chunk, func(lo, hi int) {
					mu.Lock()
					got = append(got, [2]int{lo, hi})
					mu.Unlock()
				})
				slices.SortFunc(got, func(a, b [2]int) int { return a[0] - b[0] })
				var want [][2]int
				if c.chunk >= c.n {
					want = [][2]int{{0, c.n}}
				} else {
					for lo := 0; lo < c.n; lo += c.chunk {
						want = append(want, [2]int{lo, min(lo+c.chunk, c.n)})
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("team of %d, %d rows in chunks of %d: ran %v, want %v", size, c.n, c.chunk, got, want)
				}
			}
		}
		for workers := 1; workers <= size+1; workers++ {
			ran := make([]int, size+1)
			var seen atomic.Int32
			tm.onEach(workers, func(w, k int) {
				if k != min(workers, size) {
					t.Errorf("team of %d, %d workers: worker %d told %d workers", size, workers, w, k)
				}
				ran[w]++ // each worker its own element: a race if two ran the same w
				seen.Add(1)
			})
			if int(seen.Load()) != min(workers, size) {
				t.Fatalf("team of %d, %d workers: %d ran", size, workers, seen.Load())
			}
			for w, n := range ran {
				if want := boolInt(w < min(workers, size)); n != want {
					t.Fatalf("team of %d, %d workers: worker %d ran %d times, want %d", size, workers, w, n, want)
				}
			}
		}
		tm.close()
		tm.close() // a second close is a no-op
		// a closed team still runs sections, on the caller
		sum := 0
		tm.chunks(10, 3, func(lo, hi int) { sum += hi - lo })
		if sum != 10 {
			t.Fatalf("closed team of %d covered %d of 10 rows", size, sum)
		}
	}
}

// settledGoroutines waits until the goroutine count is at most want (a
// goroutine that has returned may be counted for a moment) and returns it.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > want; i++ {
		time.Sleep(5 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// countdownCtx is a context whose Err turns to context.Canceled after
// `after` calls: it cancels a fit at a chosen iteration (Train asks once an
// iteration), however fast the machine.
type countdownCtx struct {
	context.Context
	after atomic.Int32
}

func (c *countdownCtx) Err() error {
	if c.after.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestTrainLeavesNoGoroutines trains on vehicle_claims at several thread
// counts, to the end and cancelled after 3 iterations, quantized and not:
// every fit must return with the goroutine count it started with.
func TestTrainLeavesNoGoroutines(t *testing.T) {
	ds, y := loadShared(t, sharedSets[1])
	bd, err := NewBinnedDataset(context.Background(), ds, 255)
	if err != nil {
		t.Fatal(err)
	}
	train, valid := splitRows(ds.Rows)
	for _, threads := range []int{1, 2, 3} {
		for _, quant := range []bool{false, true} {
			for _, cancel := range []bool{false, true} {
				name := fmt.Sprintf("threads=%d/quant=%v/cancel=%v", threads, quant, cancel)
				p := DefaultParams()
				p.NumIterations, p.NumThreads, p.UseQuantizedGrad = 10, threads, quant
				before := runtime.NumGoroutine()
				var ctx context.Context = context.Background()
				if cancel {
					c := &countdownCtx{Context: ctx}
					c.after.Store(3)
					ctx = c
				}
				m, err := Train(ctx, p, Data{Binned: bd, Labels: y, Rows: train}, &Data{Binned: bd, Labels: y, Rows: valid})
				switch {
				case cancel && !errors.Is(err, context.Canceled):
					t.Fatalf("%s: err %v, want context.Canceled", name, err)
				case !cancel && err != nil:
					t.Fatalf("%s: %v", name, err)
				case !cancel && m.NumTrees() != 10:
					t.Fatalf("%s: %d trees, want 10", name, m.NumTrees())
				case !cancel && threads > 1 && m.sections == 0:
					t.Fatalf("%s: no parallel section ran", name)
				}
				if after := settledGoroutines(before); after > before {
					t.Fatalf("%s: %d goroutines before the fit, %d after", name, before, after)
				}
			}
		}
	}
}

// BenchmarkForkJoin is one parallel section on 2 workers, with no work
// (the fork and join alone) and with some microseconds of work per worker
// (as a small leaf's gather): "goroutines" starts a goroutine per chunk and
// waits on a WaitGroup (parallelChunks, as every section of a fit did
// before the team), "team" hands the section to a team's waiting helper.
// Between sections the caller works alone for a few hundred nanoseconds,
// as between two sections of a tree. cpu-ns/op counts the whole process
// (a team's helper polls while it waits).
func BenchmarkForkJoin(b *testing.B) {
	const n = 2
	var sink [n * 16]int64 // one cache line per worker
	serial := func() {
		for i := range 200 {
			sink[0] += int64(i)
		}
	}
	for _, adds := range []int{0, 5000} {
		work := func(lo, hi int) {
			for i := lo; i < hi; i++ {
				for j := range adds {
					sink[i*16] += int64(j)
				}
			}
		}
		b.Run(fmt.Sprintf("goroutines/work=%d", adds), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for range b.N {
				parallelChunks(n, 1, work)
				serial()
			}
			b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N), "cpu-ns/op")
		})
		b.Run(fmt.Sprintf("team/work=%d", adds), func(b *testing.B) {
			tm := newTeam(n)
			defer tm.close()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for range b.N {
				tm.chunks(n, 1, work)
				serial()
			}
			b.ReportMetric((cpuSeconds()-cpu0)*1e9/float64(b.N), "cpu-ns/op")
		})
	}
}
