package contract

import "math"

// The statistics behind the checks: the population stability index and
// the sampling noise a check must see past before it calls a file bad. A
// producer's CI often checks a small sample; 1 unseen category in 40 rows
// is 2.5% of them and says nothing about a 1% limit.

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

// psiNoise is the PSI that sampling alone exceeds with probability 1%
// when both samples come from one distribution over bins bins: n·PSI with
// 1/n = 1/nActual + 1/nExpected is asymptotically χ² with bins−1 degrees of
// freedom (Yurdakul 2018, section 3).
func psiNoise(bins, nActual, nExpected int) float64 {
	if bins < 2 || nActual <= 0 || nExpected <= 0 {
		return 0
	}
	return chiSquare99(float64(bins-1)) * (1/float64(nActual) + 1/float64(nExpected))
}

// chiSquare99 is the 99th percentile of χ² with k degrees of freedom by the
// Wilson–Hilferty approximation, k·(1 − 2/(9k) + z·√(2/(9k)))³ with z the
// normal 99th percentile (within 1% of the exact value from k = 3 up).
func chiSquare99(k float64) float64 {
	const z = 2.3263478740408408
	h := 2 / (9 * k)
	c := 1 - h + z*math.Sqrt(h)
	return k * c * c * c
}

// binomialTail is P(X ≥ k) for X ~ Binomial(n, p): the chance of seeing k or
// more offending rows in n when the true share is p. It sums the terms from
// k up, each from the last by the ratio (n−i)/(i+1)·p/(1−p), which falls
// below 1 once i ≥ np, so for k > np the sum stops when terms no longer count.
func binomialTail(k, n int, p float64) float64 {
	switch {
	case k <= 0:
		return 1
	case k > n:
		return 0
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	lgN, _ := math.Lgamma(float64(n + 1))
	lgK, _ := math.Lgamma(float64(k + 1))
	lgNK, _ := math.Lgamma(float64(n - k + 1))
	logTerm := lgN - lgK - lgNK + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
	term := math.Exp(logTerm)
	sum := term
	odds := p / (1 - p)
	for i := k; i < n; i++ {
		term *= float64(n-i) / float64(i+1) * odds
		sum += term
		if term < sum*1e-16 && float64(i) >= float64(n)*p {
			break
		}
	}
	return math.Min(1, sum)
}
