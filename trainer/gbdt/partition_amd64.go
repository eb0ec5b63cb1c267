//go:build !purego

package gbdt

import (
	"sort"

	"golang.org/x/sys/cpu"
)

// partitionAVX512 is in partition_amd64.s.
//
//go:noescape
func partitionAVX512(rows, tmp *int32, col *uint8, n int, binLeft *[4]uint64) int

// partitionChunk is partitionChunkGo, sixteen rows at a time with AVX-512
// where the CPU has it: the rows' bins gathered at once, tested against
// the split's bitset, and the rows compressed to the left or right side,
// in order, so the result is the same.
func partitionChunk(rows, tmp []int32, col []uint8, left *[maxBins]uint8, binLeft *[4]uint64) int {
	if len(rows) < 16 || !cpu.X86.HasAVX512F {
		return partitionChunkGo(rows, tmp, col, left)
	}
	// The gather reads 4 bytes from each row's bin: the kernel takes the
	// rows whose 4 bytes lie inside col (rows are increasing), 16 at a time.
	m := sort.Search(len(rows), func(i int) bool { return int(rows[i]) > len(col)-4 }) &^ 15
	tmp = tmp[:len(rows)] // the kernel writes up to tmp[m-1]
	nl := 0
	if m > 0 {
		nl = partitionAVX512(&rows[0], &tmp[0], &col[0], m, binLeft)
	}
	return partitionRest(rows, tmp, col, left, nl, m-nl)
}
