package features

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
)

// loadMessy loads testdata/messy/NAME with y as the target and profiles it.
func loadMessy(t *testing.T, name string, opt LoadOptions) (*Frame, *Profile, error) {
	t.Helper()
	opt.Target = "y"
	fr, err := LoadFile(filepath.Join("testdata", "messy", name), opt)
	if err != nil {
		return nil, nil, err
	}
	tg, err := ParseTarget(fr, "y", "")
	if err != nil {
		return fr, nil, err
	}
	return fr, ProfileFrame(fr.Without("y"), tg, 1), nil
}

func colProfile(p *Profile, name string) *ColumnProfile {
	for i := range p.Columns {
		if p.Columns[i].Name == name {
			return &p.Columns[i]
		}
	}
	return nil
}

// TestProfileOfHugeValuesIsFiniteJSON: one extreme value among 200 must
// not make a statistic overflow (issue 16: 1e105 made the skew NaN and
// profile --json fail); infinities are counted and left out of the stats.
func TestProfileOfHugeValuesIsFiniteJSON(t *testing.T) {
	cases := []struct {
		file          string
		min, max      float64
		infinite      int
		skewSign      float64
		meanTolerance float64 // |mean - want| bound
		mean          float64
	}{
		{"huge_1e105.csv", -2.9406, 1e105, 0, 1, 1e90, 5e102},
		{"huge_1e400.csv", -2.9406, 2.3681, 1, 0, 0.1, -0.16},
		{"huge_neg_1e308.csv", -1.7e308, 2.3681, 0, -1, 1e293, -8.5e305},
		{"tiny_1e-320.csv", -2.9406, 2.3681, 0, 0, 0.1, -0.16},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			_, p, err := loadMessy(t, c.file, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("profile JSON: %v", err)
			}
			var back Profile
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("profile JSON does not read back: %v", err)
			}
			x := colProfile(p, "x")
			if x == nil || x.Kind != "numeric" || x.Numeric == nil {
				t.Fatalf("x = %+v, want numeric with stats", x)
			}
			s := x.Numeric
			for name, v := range map[string]float64{"min": s.Min, "max": s.Max, "mean": s.Mean, "std": s.Std, "skew": s.Skew} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s = %v, want finite", name, v)
				}
			}
			if s.Min != c.min || s.Max != c.max || s.Infinite != c.infinite {
				t.Errorf("min %v max %v infinite %d, want %v %v %d", s.Min, s.Max, s.Infinite, c.min, c.max, c.infinite)
			}
			if math.Abs(s.Mean-c.mean) > c.meanTolerance {
				t.Errorf("mean %v, want %v ± %v", s.Mean, c.mean, c.meanTolerance)
			}
			if c.skewSign != 0 && (s.Skew*c.skewSign < 10) {
				t.Errorf("skew %v: one extreme value among 200 gives |skew| ≈ 14 with sign %v", s.Skew, c.skewSign)
			}
			if s.Quantiles.P50 > 0 || s.Quantiles.P50 < -0.5 {
				t.Errorf("median %v, want the gaussian's (≈ -0.16)", s.Quantiles.P50)
			}
		})
	}
}

// TestValueErrorNamesFileLineColumn: a problem found in a value after
// loading is located by file line (CSV: rows and lines differ once a field
// spans lines) and column, also after rows are taken out of order.
func TestValueErrorNamesFileLineColumn(t *testing.T) {
	in := "a,note,y\n1,\"two\nlines\",0\n\n2,x,1\n3,y,0\n"
	fr, err := loadString(t, in, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		rows []int
		row  int
		want string
	}{
		{nil, 0, `in.csv: line 2 (field "a"): bad value`},
		{nil, 1, `in.csv: line 5 (field "a"): bad value`},
		{[]int{2, 0}, 0, `in.csv: line 6 (field "a"): bad value`},
		{[]int{2, 1}, 1, `in.csv: line 5 (field "a"): bad value`},
	}
	for _, c := range cases {
		f := fr
		if c.rows != nil {
			f = fr.Take(c.rows).Without("note")
		}
		if got := f.ValueError(c.row, "a", errBadValue).Error(); got != c.want {
			t.Errorf("rows %v, row %d: %q, want %q", c.rows, c.row, got, c.want)
		}
	}
}

var errBadValue = &testError{"bad value"}

type testError struct{ s string }

func (e *testError) Error() string { return e.s }
