package dsl

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

// opFrame is the hand-computed fixture for the row-wise and table ops.
func opFrame() *features.Frame {
	return frameOf(
		numCol("amount", 1, 3, nan, 0, 8),
		numCol("b", 2, 0, 1, 4, -2),
		catCol("c", "a", "b", "a", "", "a"),
		catCol("d", "x", "x", "y", "y", ""),
		textCol("t", "Free prize NOW", "hi 2 u", "", "Visit http://x.co and www.y.org", "free free"),
		// 1970-01-01 00:00 Thu; 1970-01-02 01:00 Fri; missing; 1970-02-01 02:00 Sun; 2023-11-14 22:13:20 Tue
		timeCol("ts", 0, 90000, nan, 31*86400+7200, 1700000000),
		timeCol("ts0", -10, 90000, 5, nan, 1699999000),
	)
}

func TestNumericOpsOnHandComputedExamples(t *testing.T) {
	// want is the training rows' output of Fit; wantApply, when set, is
	// Apply on the same rows (static group aggregates: Fit leaves each
	// training row out of its own group, Apply sees the whole table).
	tests := []struct {
		expr      string
		want      []float64
		wantApply []float64
	}{
		{"log1p(amount)", []float64{math.Log(2), math.Log(4), nan, 0, math.Log(9)}, nil},
		{"log1p(b - 3)", []float64{nan, nan, nan, math.Log(2), nan}, nil},
		{"sqrt(b)", []float64{math.Sqrt2, 0, 1, 2, nan}, nil},
		{"abs(b)", []float64{2, 0, 1, 4, 2}, nil},
		{"clip(amount, 1, 5)", []float64{1, 3, nan, 1, 5}, nil},
		{"ratio(amount, b)", []float64{0.5, nan, nan, 0, -4}, nil},
		{"amount / b", []float64{0.5, nan, nan, 0, -4}, nil},
		{"diff(amount, b)", []float64{-1, 3, nan, -4, 10}, nil},
		{"prod(amount, b)", []float64{2, 0, nan, 0, -16}, nil},
		{"amount * b + 1", []float64{3, 1, nan, 1, -15}, nil},
		{"-amount", []float64{-1, -3, nan, 0, -8}, nil},
		{"pow(b, 2)", []float64{4, 0, 1, 16, 4}, nil},
		{"pow(b, 0.5)", []float64{math.Sqrt2, 0, 1, 2, nan}, nil},
		{"pow(b, -1)", []float64{0.5, nan, 1, 0.25, -0.5}, nil},
		{"bin(amount, 2)", []float64{0, 1, nan, 0, 1}, nil},
		{"bin(amount, 4)", []float64{1, 2, nan, 0, 3}, nil},
		{"rank(amount)", []float64{0.375, 0.625, nan, 0.125, 0.875}, nil},
		{"is_missing(amount)", []float64{0, 0, 1, 0, 0}, nil},
		{"is_missing(c)", []float64{0, 0, 0, 1, 0}, nil},
		{"is_missing(t)", []float64{0, 0, 1, 0, 0}, nil},
		{"fill(amount, -1)", []float64{1, 3, -1, 0, 8}, nil},
		{"count(c)", []float64{3, 1, 3, nan, 3}, nil},
		{"count(cross(c, d))", []float64{1, 1, 1, nan, nan}, nil},
		{"group_count(c)", []float64{2, 0, 2, nan, 2}, []float64{3, 1, 3, nan, 3}},
		{"group_mean(amount, by=c)", []float64{8, nan, 4.5, nan, 1}, []float64{4.5, 3, 4.5, nan, 4.5}},
		{"group_std(amount, by=c)", []float64{0, nan, 3.5, nan, 0}, []float64{3.5, 0, 3.5, nan, 3.5}},
		{"group_max(amount, by=c)", []float64{8, nan, 8, nan, 1}, []float64{8, 3, 8, nan, 8}},
		{"group_nunique(d, by=c)", []float64{1, nan, 1, nan, 2}, []float64{2, 1, 2, nan, 2}},
		{"group_nunique(b, by=d)", []float64{1, 1, 1, 1, nan}, []float64{2, 2, 2, 2, nan}},
		{"group_count(category(b))", []float64{0, 0, 0, 0, 0}, []float64{1, 1, 1, 1, 1}},
		{"count(category(abs(b)))", []float64{2, 1, 1, 1, 2}, nil},
		{"length(t)", []float64{14, 6, nan, 31, 9}, nil},
		{"word_count(t)", []float64{3, 3, nan, 4, 2}, nil},
		{"count_digits(t)", []float64{0, 1, nan, 0, 0}, nil},
		{"count_upper(t)", []float64{4, 0, nan, 1, 0}, nil},
		{"count_urls(t)", []float64{0, 0, nan, 2, 0}, nil},
		{`contains(t, "FREE")`, []float64{1, 0, nan, 0, 1}, nil},
		{`regex_count(t, "e")`, []float64{3, 0, nan, 0, 4}, nil},
		{`regex_count(t, "[a-z]+://")`, []float64{0, 0, nan, 1, 0}, nil},
		{"length(c)", []float64{1, 1, 1, nan, 1}, nil},
		{"count(t)", []float64{1, 1, nan, 1, 1}, nil},
		{"hour(ts)", []float64{0, 1, nan, 2, 22}, nil},
		{"weekday(ts)", []float64{4, 5, nan, 0, 2}, nil},
		{"day(ts)", []float64{1, 2, nan, 1, 14}, nil},
		{"month(ts)", []float64{1, 1, nan, 2, 11}, nil},
		{"epoch(ts)", []float64{0, 90000, nan, 31*86400 + 7200, 1700000000}, nil},
		{"since(ts, ts0)", []float64{10, 0, nan, nan, 1000}, nil},
		{"hour(ts) + 1", []float64{1, 2, nan, 3, 23}, nil},
		{"hour(b * 3600)", []float64{2, 0, 1, 4, 22}, nil},
		{"weekday(b * 86400)", []float64{6, 4, 5, 1, 2}, nil},
	}
	f := opFrame()
	for _, tc := range tests {
		p, out := fitSpec(t, "v = "+tc.expr, f, nil, FitOptions{})
		col := out.Col("v")
		if col == nil || col.Kind != features.Numeric {
			t.Errorf("%s: no numeric output column v", tc.expr)
			continue
		}
		if !closeFloats(col.Num, tc.want, 1e-12) {
			t.Errorf("%s = %v, want %v", tc.expr, col.Num, tc.want)
		}
		again, err := p.Apply(context.Background(), f)
		if err != nil {
			t.Fatalf("%s: Apply: %v", tc.expr, err)
		}
		wantApply := tc.wantApply
		if wantApply == nil {
			wantApply = col.Num
		}
		if !closeFloats(again.Col("v").Num, wantApply, 1e-12) {
			t.Errorf("%s: Apply on the training rows = %v, want %v", tc.expr, again.Col("v").Num, wantApply)
		}
	}
}

// levelsOf returns the per-row level text of a categorical output ("" = missing).
func levelsOf(c *features.Column) []string {
	out := make([]string, len(c.Codes))
	for i, code := range c.Codes {
		if code >= 0 {
			out[i] = c.Levels[code]
		}
	}
	return out
}

func TestCategoricalOpsOnHandComputedExamples(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{"cross(c, d)", []string{"a|x", "b|x", "a|y", "", ""}},
		{"cross(d, c)", []string{"a|x", "b|x", "a|y", "", ""}}, // commutative: canonical order c, d
		{"cross(c, d, max_levels=2)", []string{"a|x", "__other__", "__other__", "", ""}},
		{"rare(c, min_count=2)", []string{"a", "__rare__", "a", "", "a"}},
		// FNV-1a("a") = 0xe40c292c, FNV-1a("b") = 0xe70c2de5
		{"hash(c, 4)", []string{"h0", "h1", "h0", "", "h0"}},
		{"rare(cross(c, d), min_count=1)", []string{"a|x", "b|x", "a|y", "", ""}},
		{"c", []string{"a", "b", "a", "", "a"}},
		{"category(b * 0.5)", []string{"1", "0", "0.5", "2", "-1"}},
		{"category(amount)", []string{"1", "3", "", "0", "8"}},
	}
	f := opFrame()
	for _, tc := range tests {
		_, out := fitSpec(t, "v = "+tc.expr, f, nil, FitOptions{})
		col := out.Col("v")
		if col == nil || col.Kind != features.Categorical {
			t.Errorf("%s: no categorical output column v", tc.expr)
			continue
		}
		if got := levelsOf(col); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestUnseenCategoriesAreDeterministic(t *testing.T) {
	train := opFrame()
	p, _ := fitSpec(t, "n = count(c); r = rare(c, min_count=2); x = cross(c, d); h = hash(c, 4); g = group_mean(amount, by=c); m = target_mean(c, smoothing=1)", train, []float64{1, 0, 1, 0, 0}, FitOptions{})
	test := frameOf(
		numCol("amount", 5, 6), numCol("b", 0, 0),
		catCol("c", "zzz", "b"), catCol("d", "x", "q"),
		textCol("t", "", ""), timeCol("ts", 0, 0), timeCol("ts0", 0, 0),
	)
	out, err := p.Apply(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Col("n").Num; !sameFloats(got, []float64{0, 1}) {
		t.Errorf("count of unseen level = %v, want [0 1]", got)
	}
	if got := levelsOf(out.Col("r")); !slices.Equal(got, []string{"__rare__", "__rare__"}) {
		t.Errorf("rare of unseen level = %q", got)
	}
	if got := levelsOf(out.Col("x")); !slices.Equal(got, []string{"__other__", "__other__"}) {
		t.Errorf("cross of unseen pairs = %q", got)
	}
	if got := levelsOf(out.Col("c")); !slices.Equal(got, []string{"", "b"}) {
		t.Errorf("pass-through of unseen level = %q, want missing then b", got)
	}
	// categorical codes index the training dictionary, not the new frame's
	if out.Col("c").Codes[1] != 1 || out.Col("c").Levels[1] != "b" {
		t.Errorf("pass-through codes %v levels %v: b must keep its training code 1", out.Col("c").Codes, out.Col("c").Levels)
	}
	if got := out.Col("g").Num; !sameFloats(got, []float64{nan, 3}) {
		t.Errorf("group_mean of unseen group = %v, want [NaN 3]", got)
	}
	// prior = 2/5; b: 0 positives of 1 row → (0 + 0.4)/(1 + 1) = 0.2
	if got := out.Col("m").Num; !closeFloats(got, []float64{0.4, 0.2}, 1e-15) {
		t.Errorf("target_mean of unseen/seen = %v, want [0.4 0.2]", got)
	}
	// rank interpolates and clamps
	p2, _ := fitSpec(t, "r = rank(amount); k = bin(amount, 4)", frameOf(train.Col("amount")), nil, FitOptions{})
	out2, err := p2.Apply(context.Background(), frameOf(numCol("amount", 2, -1, 9, nan, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if got := out2.Col("r").Num; !closeFloats(got, []float64{0.5, 0, 1, nan, 0.625}, 1e-15) {
		t.Errorf("rank on new rows = %v", got)
	}
	if got := out2.Col("k").Num; !sameFloats(got, []float64{2, 0, 3, nan, 2}) {
		t.Errorf("bin on new rows = %v", got)
	}
}

func TestTargetMeanIsOutOfFold(t *testing.T) {
	f := frameOf(catCol("c", "a", "a", "a", "b"), numCol("time", 0, 1, 2, 3))
	y := []float64{1, 0, 1, 1}
	// Two time-blocked folds: rows 0,1 | rows 2,3.
	p, out := fitSpec(t, "m = target_mean(c, smoothing=1); drop(time)", f, y, FitOptions{Folds: 2, TimeCol: "time"})
	// row 0,1 (fold 0): other fold has a: 1 row, 1 positive; prior 1 → (1+1)/2 = 1.
	// row 2 (fold 1): other fold has a: 2 rows, 1 positive; prior 1/2 → 1.5/3 = 0.5.
	// row 3 (fold 1): b unseen in fold 0 → (0 + 0.5)/(0 + 1) = 0.5.
	if got := out.Col("m").Num; !closeFloats(got, []float64{1, 1, 0.5, 0.5}, 1e-15) {
		t.Errorf("out-of-fold target_mean = %v, want [1 1 0.5 0.5]", got)
	}
	test := frameOf(catCol("c", "a", "b", "new", ""), numCol("time", 9, 9, 9, 9))
	got, err := p.Apply(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	// full table: prior 3/4; a: (2 + .75)/(3 + 1); b: (1 + .75)/(1 + 1); unseen and missing → prior.
	if want := []float64{0.6875, 0.875, 0.75, 0.75}; !closeFloats(got.Col("m").Num, want, 1e-15) {
		t.Errorf("applied target_mean = %v, want %v", got.Col("m").Num, want)
	}
	if len(out.Columns) != 2 || out.Columns[0].Name != "c" || out.Columns[1].Name != "m" {
		t.Errorf("outputs = %v, want pass-through c then m (time dropped)", names(out))
	}
}

func names(o *Output) []string {
	var s []string
	for _, c := range o.Columns {
		s = append(s, c.Name)
	}
	for _, sp := range o.Sparse {
		s = append(s, sp.Name)
	}
	return s
}

func pitFrame() *features.Frame {
	return frameOf(
		catCol("card", "A", "A", "B", "A", "A", "B"),
		numCol("ts", 0, 100, 150, 100, 4000, 200),
		numCol("amt", 10, 20, 5, 30, 40, nan),
	)
}

func TestPointInTimeAggregatesSeeOnlyEarlierRows(t *testing.T) {
	tests := []struct {
		expr string
		want []float64
	}{
		// row 3 ties row 1 at t=100: a tie is not earlier, so it does not count.
		{"group_count(card, time=ts)", []float64{0, 1, 0, 1, 3, 1}},
		{`group_count(card, window="1h", time=ts)`, []float64{0, 1, 0, 1, 0, 1}},
		{"group_mean(amt, card, time=ts)", []float64{nan, 10, nan, 10, 20, 5}},
		{"group_max(amt, card, time=ts)", []float64{nan, 10, nan, 10, 30, 5}},
		{"group_std(amt, card, time=ts)", []float64{nan, 0, nan, 0, math.Sqrt(200.0 / 3), 0}},
		{"group_nunique(amt, card, time=ts)", []float64{0, 1, 0, 1, 3, 1}},
		{`group_max(amt, card, window="3950s", time=ts)`, []float64{nan, 10, nan, 10, 30, 5}},
		{`group_max(amt, card, window="3901s", time=ts)`, []float64{nan, 10, nan, 10, 30, 5}},
		{`group_max(amt, card, window="3899s", time=ts)`, []float64{nan, 10, nan, 10, nan, 5}},
		// without by, all rows are one group: traffic velocity
		{"group_count(time=ts)", []float64{0, 1, 3, 1, 5, 4}},
		{`group_count(window="1h", time=ts)`, []float64{0, 1, 3, 1, 0, 4}},
		{"group_mean(amt, time=ts)", []float64{nan, 10, 20, 10, 16.25, 16.25}},
		{`group_max(amt, window="1h", time=ts)`, []float64{nan, 10, 30, 10, nan, 30}},
	}
	for _, tc := range tests {
		_, out := fitSpec(t, "v = "+tc.expr, pitFrame(), nil, FitOptions{})
		if got := out.Col("v").Num; !closeFloats(got, tc.want, 1e-12) {
			t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestPointInTimeApplyUsesHistoryAndNewRows(t *testing.T) {
	p, _ := fitSpec(t, `n = group_count(card, time=ts); w = group_count(card, window="1h", time=ts); m = group_max(amt, card, time=ts)`, pitFrame(), nil, FitOptions{})
	test := frameOf(catCol("card", "A", "C", "A", "A"), numCol("ts", 5000, 5000, 6000, nan), numCol("amt", 100, 1, 2, 3))
	out, err := p.Apply(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	// A at 5000: 4 training events earlier; C is new; A at 6000: 4 + the new row at 5000.
	if got := out.Col("n").Num; !sameFloats(got, []float64{4, 0, 5, nan}) {
		t.Errorf("group_count = %v, want [4 0 5 NaN]", got)
	}
	// window [t-3600, t): A at 5000 sees t=4000; A at 6000 sees 4000 and 5000.
	if got := out.Col("w").Num; !sameFloats(got, []float64{1, 0, 2, nan}) {
		t.Errorf("windowed group_count = %v, want [1 0 2 NaN]", got)
	}
	if got := out.Col("m").Num; !sameFloats(got, []float64{40, nan, 100, nan}) {
		t.Errorf("group_max = %v, want [40 NaN 100 NaN]", got)
	}
}

func TestTokensAreHashedUnigramsAndBigrams(t *testing.T) {
	f := frameOf(textCol("t", "Free prize NOW", "hi 2 u", "", "FREE PRIZE now", "free free"))
	_, out := fitSpec(t, "tokens(t, buckets=1024)", f, nil, FitOptions{})
	if len(out.Sparse) != 1 || out.Sparse[0].Name != "tokens(t, buckets=1024)" || out.Sparse[0].Width != 1024 {
		t.Fatalf("sparse blocks = %+v", out.Sparse)
	}
	sp := out.Sparse[0]
	rowSum := func(r int) (s float64) {
		for k := sp.RowPtr[r]; k < sp.RowPtr[r+1]; k++ {
			s += sp.Value[k]
		}
		return
	}
	// n words give n unigrams + n-1 bigrams
	for r, want := range []float64{5, 5, 0, 5, 3} {
		if got := rowSum(r); got != want {
			t.Errorf("row %d: %v tokens, want %v", r, got, want)
		}
	}
	// case-insensitive: rows 0 and 3 are the same bag
	if a, b := sp.Index[sp.RowPtr[0]:sp.RowPtr[1]], sp.Index[sp.RowPtr[3]:sp.RowPtr[4]]; !slices.Equal(a, b) {
		t.Errorf("rows 0 and 3 differ: %v vs %v", a, b)
	}
	// "free free": free ×2 and the bigram "free free" ×1
	free := int32(fnv32("free") % 1024)
	bi := int32(fnv32("free free") % 1024)
	got := map[int32]float64{}
	for k := sp.RowPtr[4]; k < sp.RowPtr[5]; k++ {
		got[sp.Index[k]] = sp.Value[k]
	}
	if got[free] != 2 || got[bi] != 1 || len(got) != 2 {
		t.Errorf("row 4 = %v, want {%d:2 %d:1}", got, free, bi)
	}
}

func TestFNVConstants(t *testing.T) {
	if fnv32("a") != 0xe40c292c || fnv32("b") != 0xe70c2de5 {
		t.Errorf("fnv32(a)=%#x fnv32(b)=%#x", fnv32("a"), fnv32("b"))
	}
}
