package split

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// labels returns n labels with exactly pos ones, in a scrambled order.
func labels(n, pos int, seed uint64) []float64 {
	y := make([]float64, n)
	for i := range pos {
		y[i] = 1
	}
	r := rand.New(rand.NewPCG(seed, 1))
	r.Shuffle(n, func(i, j int) { y[i], y[j] = y[j], y[i] })
	return y
}

func count(y []float64, rows []int) (neg, pos int) {
	for _, i := range rows {
		if y[i] == 1 {
			pos++
		} else {
			neg++
		}
	}
	return
}

// partition checks that the parts are sorted, disjoint and cover 0..n-1.
func partition(t *testing.T, n int, parts ...[]int) {
	t.Helper()
	seen := make([]int, n)
	for _, p := range parts {
		if !slices.IsSorted(p) {
			t.Fatalf("indices not sorted: %v...", p[:min(len(p), 10)])
		}
		for _, i := range p {
			seen[i]++
		}
	}
	for i, s := range seen {
		if s != 1 {
			t.Fatalf("row %d appears %d times", i, s)
		}
	}
}

func TestStratifiedKFoldIsExactPerClass(t *testing.T) {
	for _, c := range []struct{ n, pos, k int }{{1000, 49, 5}, {10000, 492, 5}, {101, 13, 3}, {57, 7, 7}, {20, 10, 10}} {
		y := labels(c.n, c.pos, 7)
		folds, err := StratifiedKFold(y, c.k, 42)
		if err != nil {
			t.Fatal(err)
		}
		if len(folds) != c.k {
			t.Fatalf("%d folds, want %d", len(folds), c.k)
		}
		var valid [][]int
		for f, fold := range folds {
			partition(t, c.n, fold.Train, fold.Valid)
			valid = append(valid, fold.Valid)
			neg, pos := count(y, fold.Valid)
			// exact stratification: each class split as evenly as integers allow
			for _, x := range []struct{ got, total int }{{pos, c.pos}, {neg, c.n - c.pos}} {
				if lo := x.total / c.k; x.got < lo || x.got > lo+1 {
					t.Errorf("n=%d k=%d fold %d: %d rows of a class of %d, want %d or %d", c.n, c.k, f, x.got, x.total, lo, lo+1)
				}
			}
			if sz, lo := len(fold.Valid), c.n/c.k; sz < lo || sz > lo+1 {
				t.Errorf("fold %d has %d rows, want %d or %d", f, sz, lo, lo+1)
			}
		}
		partition(t, c.n, valid...)
	}
}

func TestStratifiedKFoldIsDeterministicBySeed(t *testing.T) {
	y := labels(500, 40, 3)
	a, _ := StratifiedKFold(y, 5, 1)
	b, _ := StratifiedKFold(y, 5, 1)
	c, _ := StratifiedKFold(y, 5, 2)
	if !slices.Equal(a[2].Valid, b[2].Valid) {
		t.Fatal("same seed, different folds")
	}
	if slices.Equal(a[2].Valid, c[2].Valid) {
		t.Fatal("different seeds, same folds")
	}
	// Pinned: a change to the generator or dealing order changes every
	// study's folds, which must be a deliberate decision.
	if got := a[0].Valid[:5]; !slices.Equal(got, pinnedFold0) {
		t.Fatalf("seed 1 fold 0 starts %v, pinned %v", got, pinnedFold0)
	}
}

var pinnedFold0 = []int{2, 7, 11, 16, 28}

func TestStratifiedHoldout(t *testing.T) {
	y := labels(10000, 492, 11)
	train, test, err := StratifiedHoldout(y, 0.2, 42)
	if err != nil {
		t.Fatal(err)
	}
	partition(t, len(y), train, test)
	if len(test) != 2000 {
		t.Fatalf("test has %d rows, want ceil(0.2*10000) = 2000", len(test))
	}
	_, pos := count(y, test)
	if pos < 98 || pos > 99 { // 492 * 0.2 = 98.4
		t.Fatalf("test has %d positives, want 98 or 99", pos)
	}
	train2, test2, _ := StratifiedHoldout(y, 0.2, 42)
	if !slices.Equal(test, test2) || !slices.Equal(train, train2) {
		t.Fatal("same seed, different holdout")
	}
	_, test3, _ := StratifiedHoldout(y, 0.2, 43)
	if slices.Equal(test, test3) {
		t.Fatal("different seeds, same holdout")
	}
	_, odd, err := StratifiedHoldout(labels(101, 10, 1), 0.33, 5)
	if err != nil || len(odd) != 34 {
		t.Fatalf("0.33 of 101: %d rows (err %v), want ceil = 34", len(odd), err)
	}
}

func TestSplitErrorsNameTheProblem(t *testing.T) {
	few := labels(100, 3, 1)
	_, err := StratifiedKFold(few, 5, 1)
	wantErr(t, err, ErrOneClass, "class 1 has 3 rows, fewer than 5 folds")
	_, _, err = StratifiedHoldout(labels(100, 1, 1), 0.2, 1)
	wantErr(t, err, ErrOneClass, "class 1 has 1 of 100 rows")
	_, _, err = StratifiedHoldout(few, 1.2, 1)
	wantErr(t, err, ErrBadParam, "holdout fraction 1.2")
	_, err = StratifiedKFold([]float64{0, 1, 2}, 2, 1)
	wantErr(t, err, ErrBadLabel, "row 2 has label 2")
	_, err = StratifiedKFold(few, 1, 1)
	wantErr(t, err, ErrBadParam, "folds 1")
	_, _, err = ModuloHoldout(3, 5)
	wantErr(t, err, ErrBadParam, "3 rows by 5")
	_, _, err = TimeHoldout([]float64{1, 2, 3}, []float64{0, 1, 1}, 0.34)
	wantErr(t, err, ErrOneClass, "train part of the time holdout has 1 negatives and 0 positives")
}

func wantErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q does not say %q", err, msg)
	}
}

func TestModuloHoldoutIsThePeersSplit(t *testing.T) {
	train, test, err := ModuloHoldout(12, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(test, []int{4, 9}) || !slices.Equal(train, []int{0, 1, 2, 3, 5, 6, 7, 8, 10, 11}) {
		t.Fatalf("train %v test %v", train, test)
	}
}

func TestTimeHoldoutTakesLatestRowsAndKeepsTiesTogether(t *testing.T) {
	// times out of row order; rows 1 and 4 share time 8.
	tm := []float64{5, 8, 1, 9, 8, 3, 7, 2, 6, 4}
	y := []float64{0, 1, 0, 1, 0, 1, 0, 1, 0, 0}
	train, test, err := TimeHoldout(tm, y, 0.2) // 2 rows: times 9 and 8, but 8 is shared
	if err != nil {
		t.Fatal(err)
	}
	partition(t, len(tm), train, test)
	if !slices.Equal(test, []int{1, 3, 4}) {
		t.Fatalf("test rows %v, want [1 3 4] (times 8, 9, 8)", test)
	}
	_, test, err = TimeHoldout(tm, nil, 0.3)
	if err != nil || !slices.Equal(test, []int{1, 3, 4}) {
		t.Fatalf("0.3 holdout: %v %v, want [1 3 4]", test, err)
	}
}

func TestTimeFoldsExpandInTimeOrder(t *testing.T) {
	n := 103
	tm := make([]float64, n)
	for i := range tm {
		tm[i] = float64((i * 37) % n) // a permutation of 0..102
	}
	y := labels(n, 30, 5)
	folds, err := TimeFolds(tm, y, 4)
	if err != nil {
		t.Fatal(err)
	}
	size := n / 5
	prevTrain := 0
	for i, f := range folds {
		partition(t, n, f.Train, f.Valid, rest(n, f.Train, f.Valid))
		if len(f.Valid) != size {
			t.Errorf("fold %d: %d validation rows, want %d", i, len(f.Valid), size)
		}
		if len(f.Train) != n-(4-i)*size {
			t.Errorf("fold %d: %d training rows, want %d", i, len(f.Train), n-(4-i)*size)
		}
		if len(f.Train) <= prevTrain {
			t.Errorf("fold %d: training window did not grow", i)
		}
		prevTrain = len(f.Train)
		var maxTrain, minValid float64 = -1, 1e18
		for _, r := range f.Train {
			maxTrain = max(maxTrain, tm[r])
		}
		for _, r := range f.Valid {
			minValid = min(minValid, tm[r])
		}
		if maxTrain >= minValid {
			t.Errorf("fold %d: training time %v not before validation time %v", i, maxTrain, minValid)
		}
	}
	_, err = TimeFolds([]float64{1, 1, 1, 1, 1, 1}, nil, 2)
	wantErr(t, err, ErrBadParam, "time fold 1 is empty")
}

// rest lists the rows in neither a nor b (the future rows a time fold leaves out).
func rest(n int, a, b []int) []int {
	in := make([]bool, n)
	for _, i := range a {
		in[i] = true
	}
	for _, i := range b {
		in[i] = true
	}
	var out []int
	for i := range n {
		if !in[i] {
			out = append(out, i)
		}
	}
	return out
}

// TestStratifiedKFoldAppendedKeepsEveryRowsFold: rows a table had keep the
// folds StratifiedKFold gave them; appended rows are dealt so that each
// fold's count of each class stays within one of the others'; and when the
// table grows again, the rows appended the first time keep their folds too.
func TestStratifiedKFoldAppendedKeepsEveryRowsFold(t *testing.T) {
	y := labels(1300, 170, 3)
	foldOf := func(fs []Fold, n int) []int {
		out := make([]int, n)
		for f, fold := range fs {
			for _, i := range fold.Valid {
				out[i] = f
			}
		}
		return out
	}
	for _, k := range []int{3, 5} {
		before, err := StratifiedKFold(y[:1000], k, 42)
		if err != nil {
			t.Fatal(err)
		}
		grown, err := StratifiedKFoldAppended(y[:1150], k, 42, 1000)
		if err != nil {
			t.Fatal(err)
		}
		again, err := StratifiedKFoldAppended(y, k, 42, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if same, _ := StratifiedKFoldAppended(y, k, 42, 1000); !slices.EqualFunc(same, again, func(a, b Fold) bool { return slices.Equal(a.Valid, b.Valid) }) {
			t.Fatalf("k=%d: two draws differ", k)
		}
		b, g, a := foldOf(before, 1000), foldOf(grown, 1150), foldOf(again, 1300)
		if !slices.Equal(g[:1000], b) || !slices.Equal(a[:1150], g) {
			t.Fatalf("k=%d: a row changed folds as the table grew", k)
		}
		for _, fs := range [][]Fold{grown, again} {
			n := len(fs[0].Train) + len(fs[0].Valid)
			var parts [][]int
			var negs, poss []int
			for _, f := range fs {
				partition(t, n, f.Train, f.Valid)
				parts = append(parts, f.Valid)
				neg, pos := count(y, f.Valid)
				negs, poss = append(negs, neg), append(poss, pos)
			}
			if slices.Max(negs)-slices.Min(negs) > 1 || slices.Max(poss)-slices.Min(poss) > 1 {
				t.Errorf("k=%d, %d rows: folds' negatives %v, positives %v: not within one", k, n, negs, poss)
			}
			partition(t, n, parts...)
		}
	}
	if _, err := StratifiedKFoldAppended(y, 5, 42, 1301); !errors.Is(err, ErrBadParam) {
		t.Errorf("first beyond the rows: %v", err)
	}
}
