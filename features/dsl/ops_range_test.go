package dsl

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

func TestRangeMidOnHandComputedLevels(t *testing.T) {
	tests := []struct {
		level string
		want  float64
	}{
		// vehicle_claims' binned columns
		{"26 to 30", 28},
		{"20000 to 29000", 24500},
		{"more than 69000", 69000 + 17250},
		{"less than 20000", 20000 - 5000},
		{"more than 30", 37.5},
		{"more than 7", 8.75},
		{"7 years", 7},
		{"1 year", 1},
		{"2 to 3 years", 2.5},
		{"4 to 8 years", 6},
		{"under 6 months", 0.5 - 0.125},
		{"over 65", 81.25},
		{"1 vehicle", 1},
		{"2 vehicles", 2},
		{"none", 0},
		{"new", 0},
		{"  None ", 0},
		// other spellings
		{"20,000 - 29,999", 24999.5},
		{"20000-29000", 24500},
		{"between 5 and 10", 7.5},
		{"-5 to 5", 0},
		{"-5", -5},
		{"65+", 81.25},
		{">= 8", 10},
		{"<1", 0.75},
		{"at least 0", 1},
		{"up to 0", -1},
		{"10 or more", 12.5},
		{"$1.5", 1.5},
		{"6 months to 1 year", 0.75},
		{"3 weeks", 21 / 365.25},
		{"1994", 1994},
		// not a number or a range
		{"no change", nan},
		{"Honda", nan},
		{"Sedan - Collision", nan},
		{"68fd1e64", nan},
		{"C14", nan},
		{"1e5", nan},
		{"1 2", nan},
		{"1 to 2 to 3", nan},
		{"1.2.3", nan},
		{"", nan},
		// beyond the float64 range
		{"17" + strings.Repeat("0", 307) + " to 17" + strings.Repeat("0", 307), nan}, // (1.7e308 + 1.7e308) / 2 overflows in the sum
		{"more than 15" + strings.Repeat("0", 307), nan},                             // 1.5e308 + 0.375e308
	}
	for _, tc := range tests {
		got := rangeMid(tc.level)
		if !closeFloats([]float64{got}, []float64{tc.want}, 1e-12) {
			t.Errorf("range_mid(%q) = %v, want %v", tc.level, got, tc.want)
		}
	}
}

// TestRangeMidKeepsTheOrderOfBinnedLevels: the levels of each of
// vehicle_claims' binned columns, listed in their meaning's order, map to
// strictly increasing numbers (what lets a tree split them in order).
func TestRangeMidKeepsTheOrderOfBinnedLevels(t *testing.T) {
	for _, levels := range [][]string{
		{"less than 20000", "20000 to 29000", "30000 to 39000", "40000 to 59000", "60000 to 69000", "more than 69000"},
		{"16 to 17", "18 to 20", "21 to 25", "26 to 30", "31 to 35", "36 to 40", "41 to 50", "51 to 65", "over 65"},
		{"new", "2 years", "3 years", "4 years", "5 years", "6 years", "7 years", "more than 7"},
		{"none", "1 to 7", "8 to 15", "15 to 30", "more than 30"},
		{"none", "1", "2 to 4", "more than 4"},
		{"none", "1 to 2", "3 to 5", "more than 5"},
		{"under 6 months", "1 year", "2 to 3 years", "4 to 8 years"},
		{"1 vehicle", "2 vehicles", "3 to 4", "5 to 8", "more than 8"},
	} {
		for i := 1; i < len(levels); i++ {
			if a, b := rangeMid(levels[i-1]), rangeMid(levels[i]); !(a < b) {
				t.Errorf("range_mid(%q) = %v is not below range_mid(%q) = %v", levels[i-1], a, levels[i], b)
			}
		}
	}
}

func TestRangeMidOp(t *testing.T) {
	f := frameOf(catCol("price", "less than 20000", "20000 to 29000", "", "more than 69000", "20000 to 29000", "n/a"))
	p, out := fitSpec(t, "v = range_mid(price)", f, nil, FitOptions{})
	want := []float64{15000, 24500, nan, 86250, 24500, nan}
	if got := out.Col("v").Num; !closeFloats(got, want, 0) {
		t.Errorf("range_mid(price) = %v, want %v", got, want)
	}
	// unseen levels parse like any other; the pass-through column maps them to missing
	test := frameOf(catCol("price", "30000 to 39000", "less than 20000", ""))
	got, err := p.Apply(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if !closeFloats(got.Col("v").Num, []float64{34500, 15000, nan}, 0) {
		t.Errorf("range_mid on new rows = %v, want [34500 15000 NaN]", got.Col("v").Num)
	}
	roundTrip(t, p, f, test)
	// a numeric argument is a type error whose hint names the fix
	_, err = Check(MustParse("range_mid(n)"), frameOf(numCol("n", 1, 2)), CheckOptions{})
	assertSpecError(t, specCase{src: "range_mid(n)", line: 1, col: 11, msg: "range_mid(c=...): n is numeric, want categorical", hint: "category(n)", cause: ErrType}, err)
	// canonical form and identity
	if a, b := MustParse("range_mid( `price` )"), MustParse("range_mid(price)"); a.Hash() != b.Hash() || a.Canonical() != "range_mid(price)" {
		t.Errorf("canonical forms %q and %q", a.Canonical(), b.Canonical())
	}
}

// TestRangeMidApplyOnTrainingRowsEqualsFit is the Fit/Apply property on
// random frames of range levels, nested in a categorical op and with
// missing values, plus a JSON round trip on unseen rows.
func TestRangeMidApplyOnTrainingRowsEqualsFit(t *testing.T) {
	levels := []string{"none", "1", "2 to 4", "more than 4", "under 6 months", "1 year", "4 to 8 years", "less than 20,000", "Honda", "new"}
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 11))
		draw := func(rows int) *features.Frame {
			v := make([]string, rows)
			for i := range v {
				if r.IntN(8) != 0 {
					v[i] = levels[r.IntN(len(levels))]
				}
			}
			return frameOf(catCol("c", v...), catCol("d", v...))
		}
		f := draw(200)
		p, fitOut := fitSpec(t, "m = range_mid(c); r = range_mid(rare(d, min_count=25)); drop(d)", f, nil, FitOptions{Seed: seed})
		applied, err := p.Apply(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if ok, where := sameOutput(fitOut, applied); !ok {
			t.Fatalf("seed %d: Apply(train) differs from Fit at %s", seed, where)
		}
		m, c := fitOut.Col("m").Num, f.Col("c")
		for i, code := range c.Codes {
			want := nan
			if code >= 0 {
				want = rangeMid(c.Levels[code])
			}
			if !sameFloats([]float64{m[i]}, []float64{want}) {
				t.Fatalf("seed %d row %d: range_mid(%q) = %v, want %v", seed, i, c.Levels[max(code, 0)], m[i], want)
			}
		}
		roundTrip(t, p, f, draw(50))
	}
}

func TestRangeLike(t *testing.T) {
	tests := []struct {
		levels []string
		want   bool
	}{
		{[]string{"less than 20000", "20000 to 29000", "more than 69000"}, true},
		{[]string{"1 year", "no change", "under 6 months", "2 to 3 years", "4 to 8 years"}, true}, // 4 of 5 parse
		{[]string{"none", "1", "2 to 4", "more than 4"}, true},
		{[]string{"1 year", "no change", "under 6 months", "n/a", "4 to 8 years"}, false}, // 3 of 5
		{[]string{"Honda", "Toyota", "Pontiac"}, false},
		{[]string{"68fd1e64", "05db9164", "8cf07265"}, false},
		{[]string{"Yes", "No"}, false},
		{[]string{"1", "2"}, false},
		{[]string{"1", "1.0", "one"}, false}, // fewer than 3 distinct numbers
		{nil, false},
	}
	for _, tc := range tests {
		if got := RangeLike(tc.levels); got != tc.want {
			t.Errorf("RangeLike(%q) = %v, want %v", tc.levels, got, tc.want)
		}
	}
}

// FuzzRangeMid: any level text gives a finite number or NaN, never a panic,
// and the same text always gives the same result.
func FuzzRangeMid(f *testing.F) {
	for _, s := range []string{"26 to 30", "more than 69000", "under 6 months", "20,000 - 29,999", "-5 to -1", "65+", ">= 8", "1,2,3", "-", "--1", "1-", ",000", "≥ 5", "between 1 and"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := rangeMid(s)
		if math.IsInf(v, 0) {
			t.Fatalf("range_mid(%q) = %v", s, v)
		}
		if w := rangeMid(s); !sameFloats([]float64{v}, []float64{w}) {
			t.Fatalf("range_mid(%q) = %v then %v", s, v, w)
		}
	})
}
