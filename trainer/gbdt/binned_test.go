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

// TestBinColumnMatchesOneValueAtATime: binning four values at a time
// (numericBin4) gives numericBin's bin for every value: bounds themselves,
// values between and beyond them, infinities, signed zeros, NaN among
// them (whose groups of four go one at a time), with and without a NaN bin,
// for columns of few and many bins and lengths not a multiple of four.
func TestBinColumnMatchesOneValueAtATime(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, distinct := range []int{1, 3, 40, 5000} {
		for _, withNaN := range []bool{false, true} {
			train := make([]float64, 20000)
			for i := range train {
				train[i] = float64(rng.IntN(distinct)) * 0.37
				if withNaN && i%50 == 0 {
					train[i] = math.NaN()
				}
			}
			m := newNumericMapper(train, nil, 255, &binScratch{})
			vals := make([]float64, 0, 10003)
			for _, u := range m.upper {
				vals = append(vals, u, math.Nextafter(u, math.Inf(1)), math.Nextafter(u, math.Inf(-1)))
			}
			for len(vals) < cap(vals) {
				switch rng.IntN(6) {
				case 0:
					vals = append(vals, math.NaN())
				case 1:
					vals = append(vals, math.Inf(1-2*rng.IntN(2)))
				case 2:
					vals = append(vals, math.Copysign(0, -1))
				default:
					vals = append(vals, rng.NormFloat64()*float64(distinct))
				}
			}
			col := binColumn(&m, vals)
			for i, v := range vals {
				if want := m.numericBin(v); col[i] != want {
					t.Fatalf("distinct %d, NaN bin %v: value %v binned to %d, numericBin gives %d", distinct, withNaN, v, col[i], want)
				}
			}
		}
	}
}
