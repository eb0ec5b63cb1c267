package split

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Fold is one train/validation pair of row indices, each sorted ascending.
type Fold struct {
	Train []int
	Valid []int
}

// pcgStream is the second PCG seed word: fixed, so a caller's seed alone
// decides the permutation.
const pcgStream = 0x6e6967687473686d // "nightshm"

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, pcgStream)) }

// byClass returns the row indices of class 0 and class 1, in row order.
func byClass(y []float64) (rows [2][]int, err error) {
	for i, v := range y {
		switch v {
		case 0:
			rows[0] = append(rows[0], i)
		case 1:
			rows[1] = append(rows[1], i)
		default:
			return rows, fmt.Errorf("%w: row %d has label %v", ErrBadLabel, i, v)
		}
	}
	return rows, nil
}

// holdoutSize is sklearn train_test_split's test size: ceil(frac * n).
func holdoutSize(frac float64, n int) (int, error) {
	if !(frac > 0 && frac < 1) {
		return 0, fmt.Errorf("%w: holdout fraction %v, want 0 < fraction < 1", ErrBadParam, frac)
	}
	m := int(math.Ceil(frac * float64(n)))
	if m >= n {
		return 0, fmt.Errorf("%w: holdout fraction %v of %d rows leaves no training rows", ErrBadParam, frac, n)
	}
	return m, nil
}

// StratifiedHoldout sets aside ceil(frac·n) rows as test, drawn at random
// within each class so that each class's share of the test part is its share
// of all rows to within one row (largest-remainder rounding). Both parts must
// hold both classes.
func StratifiedHoldout(y []float64, frac float64, seed uint64) (train, test []int, err error) {
	rows, err := byClass(y)
	if err != nil {
		return nil, nil, err
	}
	m, err := holdoutSize(frac, len(y))
	if err != nil {
		return nil, nil, err
	}
	// Largest remainder: floor(m·n_c/n) each, then the leftover rows to the
	// class with the larger fractional part (class 1 on a tie).
	var take [2]int
	var rem [2]float64
	for c := range 2 {
		exact := float64(m) * float64(len(rows[c])) / float64(len(y))
		take[c] = int(math.Floor(exact))
		rem[c] = exact - float64(take[c])
	}
	for left := m - take[0] - take[1]; left > 0; left-- {
		c := 1
		if rem[0] > rem[1] {
			c = 0
		}
		take[c]++
		rem[c] = -1
	}
	for c := range 2 {
		if take[c] == 0 || take[c] == len(rows[c]) {
			return nil, nil, fmt.Errorf("%w: class %d has %d of %d rows; a %.3g holdout would put %d in test and %d in train",
				ErrOneClass, c, len(rows[c]), len(y), frac, take[c], len(rows[c])-take[c])
		}
	}
	r := newRand(seed)
	for c := range 2 {
		perm := slices.Clone(rows[c])
		r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		test = append(test, perm[:take[c]]...)
		train = append(train, perm[take[c]:]...)
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}

// StratifiedKFold deals each class's rows, shuffled, round-robin into k
// folds (class 0 first, class 1 continuing where class 0 stopped), so every
// fold's count of each class, and its size, is within one of the others'.
// Each class needs at least k rows.
func StratifiedKFold(y []float64, k int, seed uint64) ([]Fold, error) {
	fold, err := stratifiedFoldIDs(y, k, seed)
	if err != nil {
		return nil, err
	}
	return foldsFrom(fold, k), nil
}

// stratifiedFoldIDs is StratifiedKFold's fold of each row.
func stratifiedFoldIDs(y []float64, k int, seed uint64) ([]int, error) {
	if k < 2 {
		return nil, fmt.Errorf("%w: folds %d, want >= 2", ErrBadParam, k)
	}
	rows, err := byClass(y)
	if err != nil {
		return nil, err
	}
	for c := range 2 {
		if len(rows[c]) < k {
			return nil, fmt.Errorf("%w: class %d has %d rows, fewer than %d folds, so some validation fold would lack it",
				ErrOneClass, c, len(rows[c]), k)
		}
	}
	fold := make([]int, len(y))
	r := newRand(seed)
	pos := 0
	for c := range 2 {
		perm := slices.Clone(rows[c])
		r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for _, i := range perm {
			fold[i] = pos % k
			pos++
		}
	}
	return fold, nil
}

// appendSeed separates the draws for appended rows from the first rows'.
const appendSeed = 0x617070656e646564 // "appended"

// StratifiedKFoldAppended is StratifiedKFold of a table that grew: rows
// [0, first) keep exactly the folds StratifiedKFold(y[:first], k, seed)
// gives them, and each later row, in row order, joins a fold with the
// fewest rows of its class so far (a seeded draw among those tied), so
// every fold's count of each class stays within one of the others'. A
// row's fold depends only on the rows before it: the table may grow again
// and every row keeps its fold.
func StratifiedKFoldAppended(y []float64, k int, seed uint64, first int) ([]Fold, error) {
	if first < 0 || first > len(y) {
		return nil, fmt.Errorf("%w: %d first rows of %d", ErrBadParam, first, len(y))
	}
	fold, err := stratifiedFoldIDs(y[:first], k, seed)
	if err != nil {
		return nil, err
	}
	fold = slices.Grow(fold, len(y)-first)
	var count [2][]int
	for c := range 2 {
		count[c] = make([]int, k)
	}
	for i, f := range fold {
		count[int(y[i])][f]++
	}
	r := newRand(seed ^ appendSeed)
	tied := make([]int, 0, k)
	for i := first; i < len(y); i++ {
		if y[i] != 0 && y[i] != 1 {
			return nil, fmt.Errorf("%w: row %d has label %v", ErrBadLabel, i, y[i])
		}
		n := count[int(y[i])]
		least := slices.Min(n)
		tied = tied[:0]
		for f, m := range n {
			if m == least {
				tied = append(tied, f)
			}
		}
		f := tied[r.IntN(len(tied))]
		n[f]++
		fold = append(fold, f)
	}
	return foldsFrom(fold, k), nil
}

// foldsFrom turns a fold id per row into k Folds, indices ascending.
func foldsFrom(fold []int, k int) []Fold {
	out := make([]Fold, k)
	for f := range out {
		for i, g := range fold {
			if g == f {
				out[f].Valid = append(out[f].Valid, i)
			} else {
				out[f].Train = append(out[f].Train, i)
			}
		}
	}
	return out
}

// ModuloHoldout is the peers' split (../shared/bench/peers): row i is a test
// row when i % m == m-1, the rest train. ModuloHoldout(n, 5) is their 80/20.
func ModuloHoldout(n, m int) (train, test []int, err error) {
	if m < 2 || n < m {
		return nil, nil, fmt.Errorf("%w: modulo split of %d rows by %d, want 2 <= m <= rows", ErrBadParam, n, m)
	}
	for i := range n {
		if i%m == m-1 {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test, nil
}

// timeOrder returns the row indices sorted by time, ties in row order.
func timeOrder(t []float64) ([]int, error) {
	for i, v := range t {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: row %d has time %v", ErrBadTime, i, v)
		}
	}
	order := make([]int, len(t))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(t[a], t[b]) })
	return order, nil
}

// backToRunStart moves a cut position in time order back to the first row of
// its run of equal times, so no time stamp falls on both sides of the cut.
func backToRunStart(t []float64, order []int, cut int) int {
	for cut > 0 && cut < len(order) && t[order[cut-1]] == t[order[cut]] {
		cut--
	}
	return cut
}

// TimeHoldout sets aside the latest ceil(frac·n) rows by t as test. When the
// cut falls inside a run of equal times the whole run goes to test, so every
// test row is strictly later than every training row (the test part can be a
// little larger than asked). y may be nil; otherwise both parts must hold
// both classes.
func TimeHoldout(t, y []float64, frac float64) (train, test []int, err error) {
	if y != nil && len(y) != len(t) {
		return nil, nil, fmt.Errorf("%w: %d time stamps, %d labels", ErrBadParam, len(t), len(y))
	}
	m, err := holdoutSize(frac, len(t))
	if err != nil {
		return nil, nil, err
	}
	order, err := timeOrder(t)
	if err != nil {
		return nil, nil, err
	}
	cut := backToRunStart(t, order, len(t)-m)
	if cut == 0 {
		return nil, nil, fmt.Errorf("%w: all rows share the time %v, nothing is earlier than the holdout", ErrBadParam, t[order[0]])
	}
	train, test = slices.Clone(order[:cut]), slices.Clone(order[cut:])
	if err := bothClasses(y, train, "train part of the time holdout"); err != nil {
		return nil, nil, err
	}
	if err := bothClasses(y, test, "time holdout"); err != nil {
		return nil, nil, err
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}

// TimeFolds are k expanding-window folds in time order, as scikit-learn's
// TimeSeriesSplit(n_splits=k): validation blocks of n/(k+1) rows at the end,
// fold i trains on everything before its block. Cuts inside a run of equal
// times move back to the run's start. Folds are returned earliest first.
func TimeFolds(t, y []float64, k int) ([]Fold, error) {
	if k < 2 {
		return nil, fmt.Errorf("%w: folds %d, want >= 2", ErrBadParam, k)
	}
	if y != nil && len(y) != len(t) {
		return nil, fmt.Errorf("%w: %d time stamps, %d labels", ErrBadParam, len(t), len(y))
	}
	n := len(t)
	size := n / (k + 1)
	if size == 0 {
		return nil, fmt.Errorf("%w: %d rows cannot make %d time folds", ErrBadParam, n, k)
	}
	order, err := timeOrder(t)
	if err != nil {
		return nil, err
	}
	cuts := make([]int, k+1)
	for i := range k {
		cuts[i] = backToRunStart(t, order, n-(k-i)*size)
	}
	cuts[k] = n
	out := make([]Fold, k)
	for i := range k {
		if cuts[i] == 0 || cuts[i] >= cuts[i+1] {
			return nil, fmt.Errorf("%w: time fold %d is empty after keeping equal time stamps together (too many ties for %d folds)", ErrBadParam, i+1, k)
		}
		tr, va := slices.Clone(order[:cuts[i]]), slices.Clone(order[cuts[i]:cuts[i+1]])
		if err := bothClasses(y, tr, fmt.Sprintf("training part of time fold %d", i+1)); err != nil {
			return nil, err
		}
		if err := bothClasses(y, va, fmt.Sprintf("validation part of time fold %d", i+1)); err != nil {
			return nil, err
		}
		slices.Sort(tr)
		slices.Sort(va)
		out[i] = Fold{Train: tr, Valid: va}
	}
	return out, nil
}

// bothClasses checks that rows of y hold both 0 and 1 (no check when y is nil).
func bothClasses(y []float64, rows []int, what string) error {
	if y == nil {
		return nil
	}
	var n [2]int
	for _, i := range rows {
		switch y[i] {
		case 0:
			n[0]++
		case 1:
			n[1]++
		default:
			return fmt.Errorf("%w: row %d has label %v", ErrBadLabel, i, y[i])
		}
	}
	if n[0] == 0 || n[1] == 0 {
		return fmt.Errorf("%w: the %s has %d negatives and %d positives", ErrOneClass, what, n[0], n[1])
	}
	return nil
}
