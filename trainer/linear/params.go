package linear

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Penalty names, as scikit-learn spells them.
const (
	PenaltyL2         = "l2"
	PenaltyL1         = "l1"
	PenaltyElasticNet = "elasticnet"
	PenaltyNone       = "none"
)

// Params are the logistic regression's settings. The names mirror
// scikit-learn's LogisticRegression where they exist.
type Params struct {
	// C is the inverse regularisation strength (> 0).
	C float64 `json:"C"`
	// Penalty is l2, l1, elasticnet or none.
	Penalty string `json:"penalty"`
	// L1Ratio is the elastic-net mixing ρ in [0, 1] (used by elasticnet only).
	L1Ratio float64 `json:"l1_ratio"`
	// MaxIter bounds the solver's outer iterations.
	MaxIter int `json:"max_iter"`
	// Tol is the stopping bound on the largest (sub)gradient entry of the
	// objective divided by C·Σ s_i.
	Tol float64 `json:"tol"`
	// ClassWeight is "none", "balanced" (n / (2·n_class), as sklearn) or a
	// positive number: the weight of every positive row, negatives weigh 1.
	ClassWeight string `json:"class_weight"`
	// MaxLevels caps the one-hot columns per categorical feature.
	MaxLevels int `json:"max_levels"`
	// MinLevelCount is the fewest training rows a level needs for a column of
	// its own; rarer levels are pooled into "other".
	MinLevelCount int `json:"min_level_count"`
}

// DefaultParams are sklearn's defaults (C=1, l2) with a tolerance tight
// enough that the solution is the optimum to about 1e-6 in the coefficients.
func DefaultParams() Params {
	return Params{C: 1, Penalty: PenaltyL2, L1Ratio: 0.5, MaxIter: 1000, Tol: 1e-8,
		ClassWeight: "none", MaxLevels: 1000, MinLevelCount: 10}
}

// paramNames lists the keys ParseParams accepts.
var paramNames = []string{"C", "penalty", "l1_ratio", "max_iter", "tol", "class_weight", "max_levels", "min_level_count"}

// ParseParams reads --param K=V settings over DefaultParams. Errors name the
// parameter, the value and the valid range.
func ParseParams(kv map[string]string) (Params, error) {
	p := DefaultParams()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the same first error every time
	for _, k := range keys {
		v := strings.TrimSpace(kv[k])
		var err error
		switch k {
		case "C":
			p.C, err = parseFloat(v)
		case "penalty":
			p.Penalty = v
		case "l1_ratio":
			p.L1Ratio, err = parseFloat(v)
		case "max_iter":
			p.MaxIter, err = strconv.Atoi(v)
		case "tol":
			p.Tol, err = parseFloat(v)
		case "class_weight":
			p.ClassWeight = v
		case "max_levels":
			p.MaxLevels, err = strconv.Atoi(v)
		case "min_level_count":
			p.MinLevelCount, err = strconv.Atoi(v)
		default:
			return p, fmt.Errorf("%w: unknown logreg parameter %q (valid: %s)", ErrParam, k, strings.Join(paramNames, ", "))
		}
		if err != nil {
			return p, fmt.Errorf("%w: %s=%q is not a number", ErrParam, k, v)
		}
	}
	return p, p.Validate()
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

// Validate checks every parameter's range.
func (p Params) Validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("%w: %s=%v, want %s", ErrParam, name, v, want)
	}
	switch {
	case !(p.C > 0) || math.IsInf(p.C, 0):
		return bad("C", p.C, "a finite number > 0")
	case p.Penalty != PenaltyL2 && p.Penalty != PenaltyL1 && p.Penalty != PenaltyElasticNet && p.Penalty != PenaltyNone:
		return bad("penalty", strconv.Quote(p.Penalty), "l2, l1, elasticnet or none")
	case !(p.L1Ratio >= 0 && p.L1Ratio <= 1):
		return bad("l1_ratio", p.L1Ratio, "0 <= l1_ratio <= 1")
	case p.MaxIter < 1:
		return bad("max_iter", p.MaxIter, "an integer >= 1")
	case !(p.Tol > 0) || math.IsInf(p.Tol, 0):
		return bad("tol", p.Tol, "a number > 0")
	case p.MaxLevels < 1:
		return bad("max_levels", p.MaxLevels, "an integer >= 1")
	case p.MinLevelCount < 1:
		return bad("min_level_count", p.MinLevelCount, "an integer >= 1")
	}
	if _, err := p.posWeight(); err != nil {
		return err
	}
	return nil
}

// l1l2 returns the L1 and L2 penalty weights (ρ and 1−ρ) of the objective.
func (p Params) l1l2() (l1, l2 float64) {
	switch p.Penalty {
	case PenaltyL1:
		return 1, 0
	case PenaltyElasticNet:
		return p.L1Ratio, 1 - p.L1Ratio
	case PenaltyNone:
		return 0, 0
	}
	return 0, 1
}

// classWeights returns the weights of negative and positive rows given the
// class counts.
func (p Params) classWeights(nNeg, nPos int) (wNeg, wPos float64, err error) {
	switch p.ClassWeight {
	case "", "none":
		return 1, 1, nil
	case "balanced":
		n := float64(nNeg + nPos)
		return n / (2 * float64(nNeg)), n / (2 * float64(nPos)), nil
	}
	w, err := p.posWeight()
	return 1, w, err
}

// posWeight parses a numeric class_weight (1 for the named settings).
func (p Params) posWeight() (float64, error) {
	switch p.ClassWeight {
	case "", "none", "balanced":
		return 1, nil
	}
	w, err := strconv.ParseFloat(p.ClassWeight, 64)
	if err != nil || !(w > 0) || math.IsInf(w, 0) {
		return 0, fmt.Errorf("%w: class_weight=%q, want none, balanced or a positive number (the weight of positive rows)", ErrParam, p.ClassWeight)
	}
	return w, nil
}
