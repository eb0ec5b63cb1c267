package linear

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

func mixedData(t testing.TB) (*trainer.Dataset, []float64) {
	names, cols := readNumericCSV(t, filepath.Join("testdata", "mixed.csv"))
	return table(names, cols, "y", map[string]int{"c": 12})
}

func mustFit(t testing.TB, d *trainer.Dataset, y []float64, kv map[string]string) *Model {
	t.Helper()
	p, err := ParseParams(kv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Fit(context.Background(), d, y, p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSaveLoadRoundTripPredictsTheSame(t *testing.T) {
	d, y := mixedData(t)
	m := mustFit(t, d, y, map[string]string{"penalty": "elasticnet", "C": "0.05", "l1_ratio": "0.3", "max_levels": "5", "min_level_count": "30"})
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"format": "nightshift-logreg"`, `"version": 1`, `"mean":`, `"scale":`, `"other":`, `"missing":`, `"l1_ratio": 0.3`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("saved model lacks %s", key)
		}
	}
	back, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	p1, err := m.PredictProba(d)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.PredictProba(d)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Fatalf("row %d: %v before save, %v after load", i, p1[i], p2[i])
		}
	}
}

func TestLoadRejectsBadModels(t *testing.T) {
	d, y := mixedData(t)
	var buf bytes.Buffer
	if err := mustFit(t, d, y, map[string]string{"max_levels": "5", "min_level_count": "30"}).Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	cases := []struct{ name, from, to, msg string }{
		{"format", `"nightshift-logreg"`, `"other-thing"`, `format "other-thing"`},
		{"version", `"version": 1`, `"version": 9`, "version 9, this build reads version 1"},
		{"scale", `"scale": `, `"scale": -`, `numeric feature "x1" value`},
		{"param", `"C": 1`, `"C": -1`, "C=-1"},
		{"unknown field", `"intercept"`, `"intercept_typo": 1, "intercept"`, "unknown field"},
		{"truncated", good, good[:len(good)/2], "unexpected EOF"},
		{"not json", good, "hello", "invalid character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(good, c.from, c.to, 1)
			if bad == good {
				t.Fatalf("replacement %q did not apply", c.from)
			}
			_, err := Load(strings.NewReader(bad))
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v, want ErrModel saying %q", err, c.msg)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	dm, ym := mixedData(f)
	var saved bytes.Buffer
	if err := mustFit(f, dm, ym, map[string]string{"penalty": "l1", "C": "0.05", "max_levels": "4", "min_level_count": "30"}).Save(&saved); err != nil {
		f.Fatal(err)
	}
	f.Add(saved.Bytes())
	f.Add([]byte(`{"format":"nightshift-logreg","version":1}`))
	d, _ := table([]string{"x1", "x2", "x3", "c"}, [][]float64{{1, math.NaN()}, {2, 3}, {0, 1}, {3, math.NaN()}}, "", map[string]int{"c": 12})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrModel) {
				t.Fatalf("error %v is not ErrModel", err)
			}
			return
		}
		// A model Load accepts must score without panicking.
		if p, err := m.PredictProba(d); err == nil && len(p) != d.Rows {
			t.Fatalf("%d scores for %d rows", len(p), d.Rows)
		}
	})
}

func TestParseParamsNamesTheParameter(t *testing.T) {
	cases := []struct {
		kv  map[string]string
		msg string
	}{
		{map[string]string{"C": "0"}, "C=0, want a finite number > 0"},
		{map[string]string{"C": "abc"}, `C="abc" is not a number`},
		{map[string]string{"penalty": "l3"}, `penalty="l3", want l2, l1, elasticnet or none`},
		{map[string]string{"l1_ratio": "1.5"}, "l1_ratio=1.5, want 0 <= l1_ratio <= 1"},
		{map[string]string{"max_iter": "0"}, "max_iter=0, want an integer >= 1"},
		{map[string]string{"tol": "-1"}, "tol=-1, want a number > 0"},
		{map[string]string{"class_weight": "heavy"}, `class_weight="heavy", want none, balanced or a positive number`},
		{map[string]string{"class_weight": "-2"}, `class_weight="-2"`},
		{map[string]string{"max_levels": "0"}, "max_levels=0"},
		{map[string]string{"min_level_count": "x"}, `min_level_count="x" is not a number`},
		{map[string]string{"alpha": "1"}, `unknown logreg parameter "alpha" (valid: C, penalty, l1_ratio`},
	}
	for _, c := range cases {
		_, err := ParseParams(c.kv)
		if !errors.Is(err, ErrParam) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: error %v, want ErrParam saying %q", c.kv, err, c.msg)
		}
	}
	p, err := ParseParams(map[string]string{"C": "0.5", "penalty": "l1", "class_weight": "balanced", "max_levels": "20"})
	if err != nil || p.C != 0.5 || p.Penalty != "l1" || p.ClassWeight != "balanced" || p.MaxLevels != 20 || p.Tol != DefaultParams().Tol {
		t.Fatalf("parsed %+v, %v", p, err)
	}
}

func TestFitRejectsBadData(t *testing.T) {
	ctx := context.Background()
	p := DefaultParams()
	d := &trainer.Dataset{Rows: 3, Features: []trainer.Feature{{Name: "x", Values: []float64{1, 2, 3}}}}
	cases := []struct {
		name string
		d    *trainer.Dataset
		y    []float64
		msg  string
	}{
		{"one class", d, []float64{1, 1, 1}, "3 rows, 3 positive: logistic regression needs both classes"},
		{"labels", d, []float64{0, 1}, "2 labels for 3 rows"},
		{"label value", d, []float64{0, 1, 2}, "row 2 has label 2"},
		{"short column", &trainer.Dataset{Rows: 3, Features: []trainer.Feature{{Name: "x", Values: []float64{1}}}}, []float64{0, 1, 0}, `feature "x": 1 values`},
		{"inf", &trainer.Dataset{Rows: 3, Features: []trainer.Feature{{Name: "x", Values: []float64{1, math.Inf(1), 0}}}}, []float64{0, 1, 0}, `numeric feature "x" row 1 is +Inf`},
		{"sparse index", &trainer.Dataset{Rows: 2, Sparse: []trainer.SparseBlock{{Name: "tok", Width: 3, RowPtr: []int{0, 1, 2}, Index: []int32{0, 7}, Value: []float64{1, 1}}}}, []float64{0, 1}, `sparse block "tok": entry 1 has index 7 outside 0..2`},
		{"sparse ptr", &trainer.Dataset{Rows: 2, Sparse: []trainer.SparseBlock{{Name: "tok", Width: 3, RowPtr: []int{0, 5, 2}, Index: []int32{0, 1}, Value: []float64{1, 1}}}}, []float64{0, 1}, `sparse block "tok": row pointer 2 decreases (2 after 5)`},
	}
	for _, c := range cases {
		_, err := Fit(ctx, c.d, c.y, p)
		if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want ErrData saying %q", c.name, err, c.msg)
		}
	}
}

func TestPredictNeedsTheModelsFeatures(t *testing.T) {
	d, y := mixedData(t)
	m := mustFit(t, d, y, map[string]string{"max_levels": "5", "min_level_count": "30"})
	noX2 := &trainer.Dataset{Rows: d.Rows}
	for _, f := range d.Features {
		if f.Name != "x2" {
			noX2.Features = append(noX2.Features, f)
		}
	}
	if _, err := m.PredictProba(noX2); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), `numeric feature "x2"`) {
		t.Fatalf("error %v, want one naming x2", err)
	}
	// Column order does not matter: features are matched by name.
	rev := &trainer.Dataset{Rows: d.Rows}
	for i := len(d.Features) - 1; i >= 0; i-- {
		rev.Features = append(rev.Features, d.Features[i])
	}
	a, _ := m.PredictProba(d)
	b, err := m.PredictProba(rev)
	if err != nil || a[17] != b[17] {
		t.Fatalf("reordered columns: %v vs %v (%v)", a[17], b[17], err)
	}
}

func TestCategoricalPoolingAndUnseenLevels(t *testing.T) {
	d, y := mixedData(t)
	m := mustFit(t, d, y, map[string]string{"max_levels": "3", "min_level_count": "1"})
	c := m.Categorical[0]
	if len(c.Levels) != 3 || c.Other == nil || c.Missing == nil {
		t.Fatalf("levels %d other %v missing %v, want 3 levels plus other and missing", len(c.Levels), c.Other, c.Missing)
	}
	for i := 1; i < len(c.Levels); i++ {
		if c.Levels[i].Count > c.Levels[i-1].Count {
			t.Fatalf("levels not most frequent first: %+v", c.Levels)
		}
	}
	total := c.Other.Count + c.Missing.Count
	for _, l := range c.Levels {
		total += l.Count
	}
	if total != d.Rows {
		t.Fatalf("level counts sum to %d, want %d rows", total, d.Rows)
	}
	// A code never seen in training scores as "other"; a missing code as "missing".
	one := func(code float64) float64 {
		row := &trainer.Dataset{Rows: 1}
		for _, f := range d.Features {
			v := 0.0
			if f.Categorical {
				v = code
			}
			row.Features = append(row.Features, trainer.Feature{Name: f.Name, Categorical: f.Categorical, Values: []float64{v}})
		}
		z, err := m.DecisionFunction(row)
		if err != nil {
			t.Fatal(err)
		}
		return z[0]
	}
	base := one(float64(c.Levels[0].Code)) - c.Levels[0].Coef
	if got := one(999) - base; math.Abs(got-c.Other.Coef) > 1e-12 {
		t.Errorf("unseen level adds %v, want the other coefficient %v", got, c.Other.Coef)
	}
	if got := one(math.NaN()) - base; math.Abs(got-c.Missing.Coef) > 1e-12 {
		t.Errorf("missing code adds %v, want the missing coefficient %v", got, c.Missing.Coef)
	}
}

// Sparse-block columns are used unscaled, exactly like one-hot columns, so a
// categorical and a sparse block of its indicator columns are the same design
// and must give the same coefficients.
func TestSparseBlockEqualsOneHotDesign(t *testing.T) {
	d, y := mixedData(t)
	var code []float64
	var rest []trainer.Feature
	for _, f := range d.Features {
		if f.Categorical {
			code = f.Values
		} else {
			rest = append(rest, f)
		}
	}
	// Every level as its own sparse column, missing as column 12: the same
	// columns the one-hot path makes with no pooling (min_level_count 1).
	sb := trainer.SparseBlock{Name: "c", Width: 13, RowPtr: []int{0}}
	for _, v := range code {
		k := int32(12)
		if !math.IsNaN(v) {
			k = int32(v)
		}
		sb.Index = append(sb.Index, k)
		sb.Value = append(sb.Value, 1)
		sb.RowPtr = append(sb.RowPtr, len(sb.Index))
	}
	sparse := &trainer.Dataset{Rows: d.Rows, Features: rest, Sparse: []trainer.SparseBlock{sb}}
	kv := map[string]string{"penalty": "l1", "C": "0.05", "tol": "1e-10", "max_levels": "100", "min_level_count": "1"}
	a := mustFit(t, d, y, kv)
	b := mustFit(t, sparse, y, kv)
	if math.Abs(a.Intercept-b.Intercept) > 1e-7 {
		t.Fatalf("intercept %v one-hot, %v sparse", a.Intercept, b.Intercept)
	}
	for _, l := range a.Categorical[0].Levels {
		if got := b.Sparse[0].Coef[l.Code]; math.Abs(got-l.Coef) > 1e-7 {
			t.Errorf("level %d: one-hot %v, sparse %v", l.Code, l.Coef, got)
		}
	}
	if got, want := b.Sparse[0].Coef[12], a.Categorical[0].Missing.Coef; math.Abs(got-want) > 1e-7 {
		t.Errorf("missing: one-hot %v, sparse %v", want, got)
	}
}

func TestFitStopsOnCancel(t *testing.T) {
	d, y := mixedData(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, pen := range []string{"l2", "l1"} {
		p := DefaultParams()
		p.Penalty = pen
		if _, err := Fit(ctx, d, y, p); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: error %v, want context.Canceled", pen, err)
		}
	}
}

func TestClassWeightBalancedShiftsIntercept(t *testing.T) {
	d, y := mixedData(t)
	plain := mustFit(t, d, y, nil)
	bal := mustFit(t, d, y, map[string]string{"class_weight": "balanced"})
	// Balanced weights make positives count as much as negatives: the mean
	// predicted probability moves to about one half.
	mean := func(m *Model) float64 {
		p, _ := m.PredictProba(d)
		var s float64
		for _, v := range p {
			s += v
		}
		return s / float64(len(p))
	}
	var rate float64
	for _, v := range y {
		rate += v
	}
	rate /= float64(len(y))
	if mp := mean(plain); math.Abs(mp-rate) > 1e-6 {
		t.Errorf("unweighted mean prediction %v, want the base rate %v (intercept optimality)", mp, rate)
	}
	if mb := mean(bal); math.Abs(mb-0.5) > 0.05 {
		t.Errorf("balanced mean prediction %v, want about 0.5", mb)
	}
}
