package gbdt

import (
	"math/rand/v2"
	"testing"
)

// TestAccumulateColMatchesPortableKernel checks the column histogram kernel
// (assembly on amd64) against the portable Go loop: sums must be
// bit-identical, since model files must not depend on the platform.
func TestAccumulateColMatchesPortableKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	col := make([]uint8, 5000)
	for i := range col {
		col[i] = uint8(rng.IntN(256))
	}
	for _, n := range []int{0, 1, 7, 64, 4999} {
		rows := make([]int32, n)
		og := make([]gradPair, n)
		for i := range rows {
			rows[i] = int32(rng.IntN(len(col)))
			og[i] = gradPair{rng.NormFloat64(), rng.Float64()}
		}
		var got, want [maxBins]gradPair
		accumulateCol(&got, col, rows, og)
		accumulateColGo(&want, col, rows, og)
		if got != want {
			t.Fatalf("n=%d: kernel sums differ from the portable loop", n)
		}
	}
}
