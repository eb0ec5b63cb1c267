package gbdt

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPartitionKernelMatchesGo: partitionChunk (the AVX-512 kernel where
// the CPU has it) sends the same rows left and right, in the same order,
// as partitionChunkGo, for leaves of any length around the kernel's 16
// rows, dense or sparse, holding the column's last rows (which the kernel
// leaves to Go) or not, and splits sending no row, every row or some left.
func TestPartitionKernelMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	col := make([]uint8, 5003)
	for i := range col {
		col[i] = uint8(rng.IntN(256))
	}
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, len(col)} {
		for _, tail := range []bool{false, true} {
			for _, share := range []float64{0, 0.3, 1} {
				// a leaf: n distinct increasing rows, ending with the
				// column's last row when tail
				perm := rng.Perm(len(col) - 1)[:max(n-1, 0)]
				rows := make([]int32, 0, n)
				for _, r := range perm {
					rows = append(rows, int32(r))
				}
				if n > 0 {
					last := int32(len(col) - 1)
					if !tail {
						last = int32(rng.Perm(len(col) - 1)[0])
					}
					if !slices.Contains(rows, last) {
						rows = append(rows, last)
					} else {
						rows = append(rows, int32(len(col)-1))
					}
				}
				slices.Sort(rows)
				var binLeft [4]uint64
				var left [maxBins]uint8
				for b := range maxBins {
					if rng.Float64() < share {
						binLeft[b>>6] |= 1 << (b & 63)
						left[b] = 1
					}
				}
				want, got := slices.Clone(rows), slices.Clone(rows)
				wantTmp, gotTmp := make([]int32, len(rows)), make([]int32, len(rows))
				wl := partitionChunkGo(want, wantTmp, col, &left)
				gl := partitionChunk(got, gotTmp, col, &left, &binLeft)
				if wl != gl || !slices.Equal(want[:wl], got[:gl]) || !slices.Equal(wantTmp[:len(rows)-wl], gotTmp[:len(rows)-gl]) {
					t.Fatalf("n %d, tail %v, share %v: %d left %v | right %v, want %d left %v | right %v",
						n, tail, share, gl, got[:gl], gotTmp[:len(rows)-gl], wl, want[:wl], wantTmp[:len(rows)-wl])
				}
			}
		}
	}
}

// TestPartitionIsTheSameAtAnyThreadCount partitions leaves large enough
// to be cut into one chunk per thread (partitionParallelRows), at any
// offset in idx, with splits sending no row, every row, and shares whose
// lefts end before and after the middle of the leaf (the two cases of
// joinTwo), on teams of 1 to 4 workers: every team must give the stable
// partition.
func TestPartitionIsTheSameAtAnyThreadCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 3 * partitionParallelRows
	col := make([]uint8, n)
	for i := range col {
		col[i] = uint8(rng.IntN(256))
	}
	data := &BinnedDataset{rows: n, cols: [][]uint8{col}}
	for _, threads := range []int{1, 2, 3, 4} {
		tm := newTeam(threads)
		l := &learner{data: data, threads: threads, team: tm, idx: make([]int32, n), tmp: make([]int32, n),
			partNL: make([]int, threads), partAt: make([]int, threads)}
		for _, c := range []struct{ begin, count int }{
			{0, n}, {5, partitionParallelRows}, {100, partitionParallelRows + 1}, {777, 2*partitionParallelRows + 3},
		} {
			for _, share := range []float64{0, 0.2, 0.5, 0.8, 1} {
				for i := range l.idx {
					l.idx[i] = int32(i)
				}
				var binLeft [4]uint64
				for b := range maxBins {
					if rng.Float64() < share {
						binLeft[b>>6] |= 1 << (b & 63)
					}
				}
				var want []int32
				for pass := range 2 {
					for r := c.begin; r < c.begin+c.count; r++ {
						if goesLeft := binLeft[col[r]>>6]>>(col[r]&63)&1 == 1; goesLeft == (pass == 0) {
							want = append(want, int32(r))
						}
					}
				}
				wantLeft := 0
				for _, r := range want {
					if binLeft[col[r]>>6]>>(col[r]&63)&1 == 1 {
						wantLeft++
					}
				}
				nl := l.partition(c.begin, c.count, 0, &binLeft)
				got := l.idx[c.begin : c.begin+c.count]
				if nl != wantLeft || !slices.Equal(got, want) {
					t.Fatalf("%d threads, rows %d..%d, share %v: %d left, want %d; rows differ: %v",
						threads, c.begin, c.begin+c.count, share, nl, wantLeft, !slices.Equal(got, want))
				}
				for i, r := range l.idx {
					if (i < c.begin || i >= c.begin+c.count) && r != int32(i) {
						t.Fatalf("%d threads, rows %d..%d: idx[%d] outside the leaf became %d", threads, c.begin, c.begin+c.count, i, r)
					}
				}
			}
		}
		tm.close()
	}
}
