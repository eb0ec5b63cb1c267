package dsl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

// randomFrame is a seeded frame with every column kind and missing values.
func randomFrame(seed uint64, rows int) (*features.Frame, []float64) {
	r := rand.New(rand.NewPCG(seed, 7))
	num := func(name string, scale float64) *features.Column {
		v := make([]float64, rows)
		for i := range v {
			if r.IntN(10) == 0 {
				v[i] = math.NaN()
			} else {
				v[i] = math.Round(r.NormFloat64()*scale*100) / 100
			}
		}
		return numCol(name, v...)
	}
	str := func(name string, k features.Kind, levels int) *features.Column {
		v := make([]string, rows)
		for i := range v {
			if r.IntN(12) != 0 {
				v[i] = fmt.Sprintf("%s%d", name, r.IntN(levels))
			}
		}
		return strCol(name, k, v...)
	}
	words := []string{"free", "win", "Call", "now", "hi", "http://a.b", "2 u", "£100", "meet", "LOL"}
	txt := make([]string, rows)
	ts := make([]float64, rows)
	y := make([]float64, rows)
	for i := range txt {
		n := r.IntN(6)
		for j := 0; j < n; j++ {
			txt[i] += words[r.IntN(len(words))] + " "
		}
		ts[i] = 1.6e9 + float64(r.IntN(86400*30))
		if r.IntN(3) == 0 {
			y[i] = 1
		}
	}
	f := frameOf(num("a", 10), num("b", 3), str("c", features.Categorical, 8), str("d", features.Categorical, 5),
		str("card", features.Identifier, 40), textCol("t", txt...), timeCol("ts", ts...), num("x", 1))
	return f, y
}

// allStatelessOrTableOps uses every op whose Fit output must equal Apply on
// the training rows (all but target_mean and the group aggregates).
const allStatelessOrTableOps = `
l = log1p(abs(a)); s = sqrt(b); ab = abs(b); cl = clip(a, -5, 5); r = ratio(a, b); df = diff(a, b)
pr = prod(a, b); pw = pow(b, 2); bn = bin(a, 8); rk = rank(a); im = is_missing(c); fl = fill(a, 0)
ar = (a + b) * 2 - a / b; ng = -a
cnt = count(c); cx = cross(c, d, max_levels=10); rr = rare(c, min_count=20); h = hash(card, 16)
cc = count(cross(c, d)); cg = category(bin(a, 4))
ln = length(t); wc = word_count(t); dg = count_digits(t); up = count_upper(t); ur = count_urls(t)
ct = contains(t, "free"); rc = regex_count(t, "[£$]\\d+"); tk = tokens(t, buckets=256)
hr = hour(ts); wd = weekday(ts); dy = day(ts); mo = month(ts); ep = epoch(ts); sn = since(ts, ts)
su = sum(a, b, x); me = mean(a, b); mi = min(a, x); mx = max(b, 0, x); ws = wsum(a, b, weights=[2, -0.5])
`

func TestApplyOnTrainingRowsEqualsFit(t *testing.T) {
	for seed := range uint64(5) {
		f, _ := randomFrame(seed, 300)
		p, fitOut := fitSpec(t, allStatelessOrTableOps, f, nil, FitOptions{Seed: seed})
		applied, err := p.Apply(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if ok, where := sameOutput(fitOut, applied); !ok {
			t.Fatalf("seed %d: Apply(train) differs from Fit at %s", seed, where)
		}
		if len(fitOut.Columns) != 6+38 || len(fitOut.Sparse) != 1 {
			t.Fatalf("outputs: %d dense, %d sparse (%v)", len(fitOut.Columns), len(fitOut.Sparse), names(fitOut))
		}
	}
}

// staticGroupOps: Fit gives each training row its group without itself.
const staticGroupOps = `gc = group_count(card); gm = group_mean(a, by=card); gs = group_std(a, card)
gx = group_max(a, card); gn = group_nunique(c, card); gnx = group_nunique(b, d); gcc = group_mean(x, hash(c, 3))`

// TestStaticGroupAggregatesLeaveTheRowOut checks the training output of the
// static group aggregates against its definition: row i of Fit equals Apply
// on row i of a pipeline fitted on all the other rows.
func TestStaticGroupAggregatesLeaveTheRowOut(t *testing.T) {
	ctx := context.Background()
	f, _ := randomFrame(21, 120)
	_, fitOut := fitSpec(t, staticGroupOps, f, nil, FitOptions{})
	for i := range f.Rows {
		others := make([]int, 0, f.Rows-1)
		for j := range f.Rows {
			if j != i {
				others = append(others, j)
			}
		}
		p, _ := fitSpec(t, staticGroupOps, f.Take(others), nil, FitOptions{})
		one, err := p.Apply(ctx, f.Take([]int{i}))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"gc", "gm", "gs", "gx", "gn", "gnx", "gcc"} {
			got, want := fitOut.Col(name).Num[i], one.Col(name).Num[0]
			if !closeFloats([]float64{got}, []float64{want}, 1e-9) {
				t.Fatalf("%s, row %d: Fit gives %v, the pipeline fitted without the row gives %v", name, i, got, want)
			}
		}
	}
}

// TestGroupWithoutByIsOneGroupOfAllRows: leaving by out equals grouping by
// a constant, at fit and at apply.
func TestGroupWithoutByIsOneGroupOfAllRows(t *testing.T) {
	const all = `n = group_count(window="2d", time=ts); m = group_mean(a, time=ts); mx = group_max(b, window="12h", time=ts)
s = group_std(a, window="3d", time=ts); u = group_nunique(c, window="1d", time=ts)`
	konst := strings.ReplaceAll(all, "time=ts", "time=ts, by=category(ts * 0)")
	train, _ := randomFrame(31, 300)
	test, _ := randomFrame(32, 100)
	pa, fa := fitSpec(t, all, train, nil, FitOptions{})
	pk, fk := fitSpec(t, konst, train, nil, FitOptions{})
	if ok, where := sameOutput(fa, fk); !ok {
		t.Fatalf("fit: without by differs from a constant group at %s", where)
	}
	aa, err := pa.Apply(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	ak, err := pk.Apply(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if ok, where := sameOutput(aa, ak); !ok {
		t.Fatalf("apply: without by differs from a constant group at %s", where)
	}
	if c := fa.Col("n").Num; c[0] != c[0] || slices.Max(c) < 10 {
		t.Errorf("velocity over all rows looks wrong: %v", c[:10])
	}
}

const roundTripSpec = allStatelessOrTableOps + staticGroupOps + `
pa = group_mean(a, window="1d", time=ts)
tm = target_mean(c); tm2 = target_mean(cross(c, d), smoothing=0.5)
pc = group_count(card, window="1d", time=ts); pm = group_mean(a, card, time=ts); ps = group_std(a, card, window="3d", time=ts)
px = group_max(b, card, window="12h", time=ts); pn = group_nunique(c, card, window="2d", time=ts); pnx = group_nunique(x, card, time=ts)
`

func TestPipelineJSONRoundTripIsBitIdentical(t *testing.T) {
	train, y := randomFrame(11, 400)
	test, _ := randomFrame(12, 150)
	p, fitOut := fitSpec(t, roundTripSpec, train, y, FitOptions{Seed: 3, Folds: 4})
	roundTrip(t, p, train, test)
	// the out-of-fold training encoding differs from the full-table one
	applied, _ := p.Apply(context.Background(), train)
	if sameFloats(fitOut.Col("tm").Num, applied.Col("tm").Num) {
		t.Errorf("target_mean training output equals the in-sample encoding: not out-of-fold")
	}
}

func TestPipelineJSONRejectsDamage(t *testing.T) {
	train, y := randomFrame(1, 100)
	p, _ := fitSpec(t, "m = target_mean(c); bn = bin(a, 4); g = group_count(card, time=ts)", train, y, FitOptions{})
	data, _ := json.Marshal(p)
	tests := []struct{ old, new, want string }{
		{`"version":1`, `"version":2`, "version 2, this build reads version 1"},
		{`"format":"nightshift.features.pipeline"`, `"format":"x"`, `format "x"`},
		{`"spec":"`, `"spec":"log1p(a); `, "spec hash"},
		{`"op":"bin"`, `"op":"rank"`, "state 2 is for rank"},
		{`"g":[`, `"g":[99999,`, "history arrays differ"},
		{`{"format"`, `{"extra":1,"format"`, "unknown field"},
	}
	for _, tc := range tests {
		bad := strings.Replace(string(data), tc.old, tc.new, 1)
		if bad == string(data) {
			t.Fatalf("fixture: %q not in the JSON", tc.old)
		}
		var q Pipeline
		err := json.Unmarshal([]byte(bad), &q)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %v, want ErrFormat containing %q", tc.new, err, tc.want)
		}
	}
}

func TestApplyNamesTheMissingOrMistypedColumn(t *testing.T) {
	train, y := randomFrame(2, 50)
	p, _ := fitSpec(t, "m = target_mean(c); l = log1p(abs(a))", train, y, FitOptions{})
	_, err := p.Apply(context.Background(), train.Without("a"))
	if err == nil || !strings.Contains(err.Error(), `column "a": not in the frame`) {
		t.Errorf("missing column: %v", err)
	}
	bad := train.Without("a")
	bad.Columns = append(bad.Columns, catCol("a", make([]string, 50)...))
	_, err = p.Apply(context.Background(), bad)
	if err == nil || !strings.Contains(err.Error(), `column "a": kind categorical, the pipeline was fitted on numeric`) {
		t.Errorf("mistyped column: %v", err)
	}
}

func TestFitValidatesLabelsAndOptions(t *testing.T) {
	f, y := randomFrame(3, 20)
	spec := MustParse("target_mean(c)")
	ctx := context.Background()
	for _, tc := range []struct {
		y    []float64
		opt  FitOptions
		want string
	}{
		{nil, FitOptions{}, "needs the training labels"},
		{y[:5], FitOptions{}, "5 labels for 20 training rows"},
		{append(append([]float64{}, y[:19]...), 2), FitOptions{}, "label of training row 19 is 2"},
		{y, FitOptions{Folds: 1}, "Folds = 1, want at least 2"},
		{y, FitOptions{TimeCol: "tss"}, `TimeCol "tss" must be a numeric or datetime column`},
		{y, FitOptions{TimeCol: "c"}, `TimeCol "c" must be a numeric or datetime column`},
	} {
		_, _, err := Fit(ctx, spec, f, tc.y, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opt, err, tc.want)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Fit(cctx, MustParse("log1p(abs(a))"), f, nil, FitOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestFoldsAreSeededAndBalanced(t *testing.T) {
	f, _ := randomFrame(4, 103)
	a, _ := assignFolds(f, FitOptions{Folds: 5, Seed: 1})
	b, _ := assignFolds(f, FitOptions{Folds: 5, Seed: 1})
	c, _ := assignFolds(f, FitOptions{Folds: 5, Seed: 2})
	sizes := make([]int, 5)
	same, diff := true, false
	for i := range a {
		sizes[a[i]]++
		same = same && a[i] == b[i]
		diff = diff || a[i] != c[i]
	}
	if !same || !diff {
		t.Errorf("folds not determined by the seed")
	}
	for _, s := range sizes {
		if s < 20 || s > 21 {
			t.Errorf("fold sizes %v", sizes)
		}
	}
}

func TestEmptyFramesFitAndApply(t *testing.T) {
	f, y := randomFrame(5, 40)
	none := f.Take(nil)
	p, out, err := Fit(context.Background(), MustParse(roundTripSpec), none, []float64{}, FitOptions{})
	if err != nil {
		t.Fatalf("fit on no rows: %v", err)
	}
	if out.Rows != 0 || len(out.Columns) != 6+38+7+1+2+6 {
		t.Errorf("fit output on no rows: %d rows, %d columns", out.Rows, len(out.Columns))
	}
	applied, err := p.Apply(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	// nothing was learned: counts are 0, target_mean is the (empty) prior 0
	if got := applied.Col("cnt").Num[0]; got != 0 && got == got {
		t.Errorf("count after fitting on no rows = %v, want 0 or missing", got)
	}
	p2, _ := fitSpec(t, roundTripSpec, f, y, FitOptions{})
	if out, err := p2.Apply(context.Background(), none); err != nil || out.Rows != 0 {
		t.Errorf("apply to no rows: %v", err)
	}
}

func TestWithThreadsGivesTheSameOutput(t *testing.T) {
	f, y := randomFrame(6, 200)
	p, _ := fitSpec(t, roundTripSpec, f, y, FitOptions{})
	a, err := p.WithThreads(1).Apply(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.WithThreads(8).Apply(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if ok, where := sameOutput(a, b); !ok || p.threads != 0 {
		t.Errorf("thread count changed the output at %s (or mutated p: %d)", where, p.threads)
	}
}
