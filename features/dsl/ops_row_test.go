package dsl

import (
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

// rowFrame is the hand-computed fixture of the row ops: one row per case
// of the missing-value rule (all present, some missing, all missing, one
// present) and a row whose total overflows.
func rowFrame() *features.Frame {
	return frameOf(
		numCol("a", 1, nan, 3, nan, 1e308, nan),
		numCol("b", 2, nan, nan, -4, 1e308, nan),
		numCol("c", 4, nan, 0.5, 1, -1, -0.25),
		catCol("m", "u", "v", "u", "", "v", "u"),
		timeCol("t0", 100, nan, 50, 10, 0, nan),
		timeCol("t1", 200, 30, nan, 5, 0, nan),
	)
}

func TestRowOpsOnHandComputedExamples(t *testing.T) {
	tests := []struct {
		expr string
		want []float64
	}{
		// rows: all present | all missing | b missing | a missing | overflow | only c
		{"sum(a, b, c)", []float64{7, nan, 3.5, -3, nan, -0.25}},
		{"mean(a, b, c)", []float64{7.0 / 3, nan, 1.75, -1.5, nan, -0.25}},
		{"min(a, b, c)", []float64{1, nan, 0.5, -4, -1, -0.25}},
		{"max(a, b, c)", []float64{4, nan, 3, 1, 1e308, -0.25}},
		{"wsum(a, b, c, weights=[1, 2, -1])", []float64{1, nan, 2.5, -9, nan, 0.25}},
		// weights follow their arguments when the canonical form sorts them
		{"wsum(c, a, weights=[10, 1])", []float64{41, nan, 8, 10, 1e308 - 10, -2.5}},
		{"wsum(a, b, weights=[0.5, 0.5])", []float64{1.5, nan, 1.5, -2, 1e308, nan}},
		// literals are parts that are always present
		{"sum(a, 10)", []float64{11, 10, 13, 10, 1e308, 10}},
		{"max(b, 0)", []float64{2, 0, 0, 0, 1e308, 0}},
		{"min(a, b)", []float64{1, nan, 3, -4, 1e308, nan}},
		// expressions as parts; a row op inside another op
		{"sum(log1p(c), b * 2)", []float64{math.Log(5) + 4, nan, math.Log(1.5), math.Log(2) - 8, nan, math.Log(0.75)}},
		{"sum(is_missing(a), is_missing(b), is_missing(c))", []float64{0, 3, 1, 1, 0, 2}},
		{"ratio(c, sum(a, b, c))", []float64{4.0 / 7, nan, 0.5 / 3.5, -1.0 / 3, nan, 1}},
		// nested: the inner total overflows to missing, which the outer skips
		{"sum(sum(a, b), c)", []float64{7, nan, 3.5, -3, -1, -0.25}},
		// datetime parts are Unix seconds: the latest of two events
		{"max(t0, t1)", []float64{200, 30, 50, 10, 0, nan}},
		// the other missing rules, for contrast: arithmetic is missing when
		// any part is, fill turns an all-missing row into 0 (pandas' sum)
		{"a + b + c", []float64{7, nan, nan, nan, nan, nan}},
		{"fill(sum(a, b), 0)", []float64{3, 0, 3, -4, 0, 0}},
	}
	f := rowFrame()
	for _, tc := range tests {
		p, out := fitSpec(t, "v = "+tc.expr, f, nil, FitOptions{})
		got := out.Col("v").Num
		if !closeFloats(got, tc.want, 1e-12) {
			t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
		}
		again, err := p.Apply(context.Background(), f)
		if err != nil {
			t.Fatalf("%s: Apply: %v", tc.expr, err)
		}
		if !sameFloats(again.Col("v").Num, got) {
			t.Errorf("%s: Apply on the training rows = %v, Fit gave %v", tc.expr, again.Col("v").Num, got)
		}
	}
}

// TestRowOpsSkipMissingParts states the missing-value rule as a property
// on random rows: sum, mean, min and max equal those of the present parts
// (computed here row by row), and a row with no part present is missing.
func TestRowOpsSkipMissingParts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	rows := 500
	cols := make([][]float64, 4)
	for j := range cols {
		cols[j] = make([]float64, rows)
		for i := range cols[j] {
			if r.IntN(3) == 0 {
				cols[j][i] = nan
			} else {
				cols[j][i] = float64(r.IntN(2001)-1000) / 8 // exact in binary: sums do not depend on order
			}
		}
	}
	f := frameOf(numCol("p", cols[0]...), numCol("q", cols[1]...), numCol("r", cols[2]...), numCol("s", cols[3]...))
	_, out := fitSpec(t, "s_ = sum(s, r, q, p); m_ = mean(p, q, r, s); lo = min(q, p, s, r); hi = max(r, s, p, q); w = wsum(s, p, r, q, weights=[4, 1, 3, 2])", f, nil, FitOptions{})
	allMissing := 0
	for i := range rows {
		var sum, wsum float64
		lo, hi, n := math.Inf(1), math.Inf(-1), 0
		for j, c := range cols {
			if x := c[i]; x == x {
				sum += x
				wsum += float64(j+1) * x
				lo, hi = math.Min(lo, x), math.Max(hi, x)
				n++
			}
		}
		want := map[string]float64{"s_": sum, "m_": sum / float64(n), "lo": lo, "hi": hi, "w": wsum}
		if n == 0 {
			allMissing++
			for k := range want {
				want[k] = nan
			}
		}
		for name, w := range want {
			if got := out.Col(name).Num[i]; !sameFloats([]float64{got}, []float64{w}) {
				t.Fatalf("row %d %v: %s = %v, want %v", i, []float64{cols[0][i], cols[1][i], cols[2][i], cols[3][i]}, name, got, w)
			}
		}
	}
	if allMissing == 0 {
		t.Fatalf("no row with every part missing: the test does not exercise the rule")
	}
}

// TestRowOpsApplyOnTrainingRowsEqualsFit is the Fit/Apply property on
// random frames, with row ops over fitted ops and fitted ops over row ops,
// plus a JSON round trip on unseen rows.
// TestRowOpsReportEveryWrongPart: each wrong argument is its own error
// (their cases are in TestCheckRejectsWithPositionAndHint, the parse
// errors in TestParseErrorsHavePositionsAndHints, the canonical forms in
// TestParseCanonicalForm).
func TestRowOpsReportEveryWrongPart(t *testing.T) {
	_, err := Check(MustParse("sum(merchant, amout, text)"), checkFrame(), CheckOptions{})
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 3 {
		t.Fatalf("got %v, want three errors", err)
	}
	for _, want := range []string{"merchant is categorical", `unknown column "amout"`, "text is text"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
}

func TestRowOpsApplyOnTrainingRowsEqualsFit(t *testing.T) {
	const spec = `s = sum(a, b, x); m = mean(a, b, x); lo = min(a, b); hi = max(b, a, 0); w = wsum(x, a, b, weights=[0.1, -2, 3.5])
rk = rank(sum(a, b)); bs = sum(bin(a, 4), rank(b)); cn = count(category(max(bin(a, 3), bin(b, 3))))
gm = group_mean(sum(a, x), by=c); nt = sum(length(t), word_count(t), hour(ts))`
	for seed := range uint64(5) {
		f, y := randomFrame(seed, 300)
		p, fitOut := fitSpec(t, spec, f, y, FitOptions{Seed: seed})
		applied, err := p.Apply(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		// gm is a static group aggregate: its training output leaves each row out
		for _, name := range []string{"s", "m", "lo", "hi", "w", "rk", "bs", "cn", "nt"} {
			if !sameFloats(fitOut.Col(name).Num, applied.Col(name).Num) {
				t.Fatalf("seed %d: %s: Apply(train) differs from Fit", seed, name)
			}
		}
		test, _ := randomFrame(seed+100, 80)
		data := roundTrip(t, p, f, test)
		if !strings.Contains(string(data), `wsum(a, b, x, weights=[-2, 3.5, 0.1])`) {
			t.Errorf("pipeline JSON lacks the canonical wsum: %s", data)
		}
	}
}

func TestRowOpsCostEstimate(t *testing.T) {
	rows := 1000
	v := make([]float64, rows)
	for i := range v {
		v[i] = float64(i)
	}
	f := frameOf(numCol("a", v...), numCol("b", v...), numCol("c", v...))
	plan, err := Check(MustParse("s = sum(a, b, c); w = wsum(a, b, weights=[1, 2]); m = mean(a, c)"), f, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 3 pass-through + 3 items, 8 bytes a cell; row ops are one pass, no state
	if c := plan.Cost; c.Columns != 6 || c.Time != CostLinear || c.Bytes != int64(8*6*rows) || c.SparseWidth != 0 {
		t.Errorf("cost = %+v, want 6 columns, O(n), %d bytes", c, 8*6*rows)
	}
	if want := []string{"a", "b", "c"}; strings.Join(plan.Reads, ",") != strings.Join(want, ",") {
		t.Errorf("reads %q, want %q", plan.Reads, want)
	}
	for _, op := range Ops() {
		if op.Group == "row" && (op.Cost != CostLinear || op.Fitted || !op.Commutative) {
			t.Errorf("%s: cost %s, fitted %v, commutative %v; want O(n), stateless, commutative", op.Name, op.Cost, op.Fitted, op.Commutative)
		}
	}
}

// criteoInts are criteo_5k's integer count columns.
var criteoInts = []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11", "I12", "I13"}

// TestRowOpsOnCriteoCounts totals criteo_5k's 13 integer counts (most rows
// have some missing) and checks every row against the file read here with
// encoding/csv: the sum, mean, max and a weighted sum of the present
// counts, missing only where all 13 are.
func TestRowOpsOnCriteoCounts(t *testing.T) {
	path := sharedPath(t, "click/criteo_5k.csv")
	fr, y := loadShared(t, "click/criteo_5k.csv", "label")
	args := strings.Join(criteoInts, ", ")
	weights := make([]string, len(criteoInts))
	for j := range weights {
		weights[j] = strconv.Itoa(j + 1)
	}
	src := fmt.Sprintf("total = sum(%s); avg = mean(%s); top = max(%s); w = wsum(%s, weights=[%s])", args, args, args, args, strings.Join(weights, ", "))
	p, out := fitSpec(t, src, fr, y, FitOptions{Target: "label"})

	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for j, h := range recs[0] {
		col[h] = j
	}
	recs = recs[1:]
	if len(recs) != fr.Rows {
		t.Fatalf("%d CSV rows, frame has %d", len(recs), fr.Rows)
	}
	partial, none := 0, 0
	for i, rec := range recs {
		var sum, wsum float64
		top, n := math.Inf(-1), 0
		for j, name := range criteoInts {
			s := rec[col[name]]
			if s == "" {
				continue
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("row %d %s: %v", i+2, name, err)
			}
			sum += x
			wsum += float64(j+1) * x
			top = math.Max(top, x)
			n++
		}
		want := []float64{sum, sum / float64(n), top, wsum}
		switch n {
		case 0:
			want = []float64{nan, nan, nan, nan}
			none++
		case len(criteoInts):
		default:
			partial++
		}
		// integer counts: the sums are exact whatever the order of addition
		got := []float64{out.Col("total").Num[i], out.Col("avg").Num[i], out.Col("top").Num[i], out.Col("w").Num[i]}
		if !sameFloats(got[:1], want[:1]) || !sameFloats(got[2:], want[2:]) || !closeFloats(got[1:2], want[1:2], 1e-9*math.Abs(want[1])) {
			t.Fatalf("line %d: sum, mean, max, wsum = %v, want %v", i+2, got, want)
		}
	}
	t.Logf("criteo_5k: %d rows, %d with some of the 13 counts missing (totalled over the present ones), %d with all missing", len(recs), partial, none)
	if partial < len(recs)/2 {
		t.Errorf("only %d rows with missing parts: the test does not exercise the missing-value rule", partial)
	}
	test, _ := loadShared(t, "click/criteo_200.csv", "label")
	roundTrip(t, p, fr, test)
}

// FuzzRowOps runs the row ops on a frame of three columns whose values are
// arbitrary float64 bits (NaN payloads, ±Inf, subnormals, ±0) with arbitrary
// weights, and checks each row against a row-by-row computation of the
// rule: the present parts, in canonical order, aggregated; missing when
// none is present or the result is not finite. The weights must survive
// the canonical text and the pipeline JSON bit for bit.
func FuzzRowOps(f *testing.F) {
	row := func(v ...float64) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	f.Add(row(1, 2, 3, nan, nan, nan, -4, nan, 0.5), 1.0, 2.0, -1.0)
	f.Add(row(1e308, 1e308, -1, math.Inf(1), 1, 2, math.Copysign(0, -1), 0, 5e-324), 0.1, 1e300, -1e-300)
	f.Add(row(3, 3, 3), 0.0, 0.0, 0.0)
	f.Add(row(), 1.0, 1.0, 1.0)
	f.Add(row(1, 2, 3), math.NaN(), math.Inf(1), 2e300)
	f.Fuzz(func(t *testing.T, data []byte, w0, w1, w2 float64) {
		rows := min(len(data)/24, 64)
		cols := make([][]float64, 3)
		for j := range cols {
			cols[j] = make([]float64, rows)
		}
		for i := range rows {
			for j := range cols {
				cols[j][i] = math.Float64frombits(binary.LittleEndian.Uint64(data[24*i+8*j:]))
			}
		}
		fr := frameOf(numCol("c0", cols[0]...), numCol("c1", cols[1]...), numCol("c2", cols[2]...))
		w := []float64{w0, w1, w2}
		wtext := make([]string, 3)
		validW := true
		for j, x := range w {
			wtext[j] = formatNumber(x)
			validW = validW && !math.IsNaN(x) && math.Abs(x) <= 1e300
		}
		// written in another order than the canonical one, which sorts the parts by name
		src := fmt.Sprintf("s = sum(c2, c0, c1); m = mean(c1, c2, c0); lo = min(c0, c2, c1); hi = max(c2, c1, c0); w = wsum(c1, c2, c0, weights=[%s, %s, %s])", wtext[1], wtext[2], wtext[0])
		spec, err := Parse(src)
		if !validW {
			if err == nil {
				t.Fatalf("weights %v accepted: %s", w, spec.Canonical())
			}
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		p, out, err := Fit(context.Background(), spec, fr, nil, FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			var sum, wsum, lo, hi float64
			n := 0
			for j, c := range cols {
				x := c[i]
				if x != x {
					continue
				}
				if n == 0 {
					sum, wsum, lo, hi = x, w[j]*x, x, x
				} else {
					sum, wsum, lo, hi = sum+x, wsum+w[j]*x, math.Min(lo, x), math.Max(hi, x)
				}
				n++
			}
			want := map[string]float64{"s": sum, "m": sum / float64(n), "lo": lo, "hi": hi, "w": wsum}
			for name, v := range want {
				if n == 0 || math.IsInf(v, 0) {
					v = nan
				}
				got := out.Col(name).Num[i]
				if !sameFloats([]float64{got}, []float64{v}) {
					t.Fatalf("row %d %v, weights %v: %s = %v, want %v", i, []float64{cols[0][i], cols[1][i], cols[2][i]}, w, name, got, v)
				}
				if math.IsInf(got, 0) {
					t.Fatalf("row %d: %s = %v: a non-finite result must be missing", i, name, got)
				}
			}
		}
		roundTrip(t, p, fr)
	})
}
