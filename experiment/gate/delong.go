package gate

import (
	"fmt"
	"math"
	"slices"
)

// DeLongResult compares the ROC AUCs of two scorers of the same rows.
type DeLongResult struct {
	AUCA, AUCB float64
	// VarA, VarB and Cov are the AUCs' variances and covariance; SE is
	// the standard error of AUCA − AUCB and Z = (AUCA − AUCB)/SE.
	VarA, VarB, Cov float64
	SE, Z           float64
}

// DeLong is DeLong, DeLong & Clarke-Pearson's test for two correlated ROC
// AUCs ("Comparing the areas under two or more correlated receiver
// operating characteristic curves: a nonparametric approach", Biometrics
// 44, 1988), computed with Sun & Xu's midrank algorithm ("Fast
// implementation of DeLong's algorithm for comparing the areas under
// correlated receiver operating characteristic curves", IEEE Signal
// Processing Letters 21, 2014) in O(N log N).
//
// With m positives X and n negatives Y, scorer r's structural components
// are V10_r(X_i) = (1/n) Σ_j ψ(X_i, Y_j) and V01_r(Y_j) = (1/m) Σ_i ψ(X_i,
// Y_j), ψ = 1, ½, 0 for >, =, <. Sun & Xu: V10(X_i) = (Tz_i − Tx_i)/n and
// V01(Y_j) = 1 − (Tz_{m+j} − Ty_j)/m, where Tz, Tx, Ty are midranks among
// all scores, the positives' and the negatives'. S10 and S01 are the
// components' 2×2 sample covariances and S = S10/m + S01/n the AUCs'
// covariance matrix.
func DeLong(y, a, b []float64) (DeLongResult, error) {
	var pos, neg []int
	for i, v := range y {
		switch v {
		case 1:
			pos = append(pos, i)
		case 0:
			neg = append(neg, i)
		default:
			return DeLongResult{}, fmt.Errorf("%w: row %d: label %v is not 0 or 1", ErrBadInput, i, v)
		}
	}
	m, n := len(pos), len(neg)
	if m < 2 || n < 2 {
		return DeLongResult{}, fmt.Errorf("%w: DeLong's test needs at least 2 positives and 2 negatives (have %d and %d)", ErrBadInput, m, n)
	}
	for i := range y {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return DeLongResult{}, fmt.Errorf("%w: row %d: a prediction is NaN", ErrBadInput, i)
		}
	}
	v10 := [2][]float64{}
	v01 := [2][]float64{}
	auc := [2]float64{}
	for r, p := range [2][]float64{a, b} {
		x, yy := take(p, pos), take(p, neg)
		tx, ty, tz := midranks(x), midranks(yy), midranks(append(append([]float64{}, x...), yy...))
		v10[r], v01[r] = make([]float64, m), make([]float64, n)
		for i := range m {
			v10[r][i] = (tz[i] - tx[i]) / float64(n)
			auc[r] += v10[r][i]
		}
		auc[r] /= float64(m)
		for j := range n {
			v01[r][j] = 1 - (tz[m+j]-ty[j])/float64(m)
		}
	}
	s10 := cov2(v10, auc)
	s01 := cov2(v01, auc)
	var s [2][2]float64
	for i := range 2 {
		for j := range 2 {
			s[i][j] = s10[i][j]/float64(m) + s01[i][j]/float64(n)
		}
	}
	res := DeLongResult{AUCA: auc[0], AUCB: auc[1], VarA: s[0][0], VarB: s[1][1], Cov: s[0][1]}
	res.SE = math.Sqrt(max(0, s[0][0]+s[1][1]-2*s[0][1]))
	if res.SE > 0 {
		res.Z = (auc[0] - auc[1]) / res.SE
	}
	return res, nil
}

func take(p []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = p[i]
	}
	return out
}

// midranks returns the 1-based ranks of x with ties given their mean rank.
func midranks(x []float64) []float64 {
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		switch {
		case x[i] < x[j]:
			return -1
		case x[i] > x[j]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(x))
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && x[order[j]] == x[order[i]] {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			out[order[k]] = rank
		}
		i = j
	}
	return out
}

// cov2 is the 2×2 sample covariance (divisor k−1) of two component
// vectors whose means are mean.
func cov2(v [2][]float64, mean [2]float64) [2][2]float64 {
	var c [2][2]float64
	k := len(v[0])
	for i := range 2 {
		for j := range 2 {
			s := 0.0
			for t := range k {
				s += (v[i][t] - mean[i]) * (v[j][t] - mean[j])
			}
			c[i][j] = s / float64(k-1)
		}
	}
	return c
}
