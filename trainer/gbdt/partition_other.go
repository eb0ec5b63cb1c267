//go:build !amd64 || purego

package gbdt

func partitionChunk(rows, tmp []int32, col []uint8, left *[maxBins]uint8, _ *[4]uint64) int {
	return partitionChunkGo(rows, tmp, col, left)
}
