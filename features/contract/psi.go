package contract

import "math"

// psiFloor replaces a bin share of zero, where the index's logarithm is
// undefined; 0.0001 is the usual convention (one row in ten thousand).
const psiFloor = 1e-4

// PSI is the population stability index of the actual bin shares against
// the expected ones: Σ (aᵢ − eᵢ)·ln(aᵢ/eᵢ) over the bins, each share floored
// at 0.0001 (Yurdakul, "Statistical properties of population stability
// index", 2018). 0 means the same distribution; above 0.25 is commonly read
// as a significant shift. The slices must have the same length.
func PSI(expected, actual []float64) float64 {
	var s float64
	for i := range expected {
		s += psiTerm(expected[i], actual[i])
	}
	return s
}

func psiTerm(e, a float64) float64 {
	e, a = math.Max(e, psiFloor), math.Max(a, psiFloor)
	return (a - e) * math.Log(a/e)
}
