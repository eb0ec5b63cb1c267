package gbdt

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFloatsMatchesSlicesSort: the radix sort gives slices.Sort's
// order on values of every sign and size, ties and infinities included.
func TestSortFloatsMatchesSlicesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 5, 1023, 1024, 5000, 200000} {
		s := make([]float64, n)
		for i := range s {
			switch i % 7 {
			case 0:
				s[i] = rng.NormFloat64()
			case 1:
				s[i] = math.Round(rng.NormFloat64() * 3) // ties, zeros
			case 2:
				s[i] = rng.ExpFloat64() * 1e300
			case 3:
				s[i] = -rng.ExpFloat64() * 1e-300
			case 4:
				s[i] = float64(rng.IntN(24))
			case 5:
				s[i] = math.Inf(1 - 2*rng.IntN(2))
			default:
				s[i] = math.Copysign(0, -1)
			}
		}
		want := slices.Clone(s)
		slices.Sort(want)
		sortFloats(s)
		for i := range s {
			if s[i] != want[i] {
				t.Fatalf("n=%d: position %d is %v, slices.Sort gives %v", n, i, s[i], want[i])
			}
		}
	}
}
