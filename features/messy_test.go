package features

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
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

// TestNumericColumnKeepsStrayStrings: infinity and NaN spellings are
// numbers, and a column of numbers with a few stray strings stays numeric
// (the strings read as missing, with a warning naming the column, the
// values and their first lines), unless more than 1% of its values or more
// than 10 distinct strings are not numbers (issue 16).
func TestNumericColumnKeepsStrayStrings(t *testing.T) {
	cases := []struct {
		file     string
		opt      LoadOptions
		col      string
		kind     Kind
		missing  int
		infinite int
		warning  string // "" for none on col
	}{
		{file: "inf_spellings.csv", col: "x", kind: Numeric, missing: 2, infinite: 6},
		{file: "stray_words.csv", col: "x", kind: Numeric, missing: 3,
			warning: `stray_words.csv: column "x" is numeric; 3 values that are not numbers were read as missing: "oops" (3 rows, first on line 7)`},
		{file: "stray_words.csv", col: "z", kind: Numeric, missing: 1,
			warning: `column "z" is numeric; 1 value that is not a number was read as missing: "n/a" (1 row, first on line 602)`},
		{file: "stray_first.csv", col: "x", kind: Numeric, missing: 2,
			warning: `"oops" (2 rows, first on line 2)`},
		{file: "stray_too_many.csv", col: "x", kind: Categorical},
		{file: "stray_too_varied.csv", col: "x", kind: Categorical},
		{file: "stray_words.csv", opt: LoadOptions{Categorical: []string{"x"}}, col: "x", kind: Categorical},
		{file: "stray_too_many.csv", opt: LoadOptions{Numeric: []string{"x"}}, col: "x", kind: Numeric, missing: 20,
			warning: `20 values that are not numbers were read as missing: "oops" (20 rows, first on line 2)`},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.col, func(t *testing.T) {
			fr, p, err := loadMessy(t, c.file, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			col := fr.Col(c.col)
			if col.Kind != c.kind {
				t.Fatalf("%s is %s, want %s", c.col, col.Kind, c.kind)
			}
			var warned string
			for _, w := range fr.Warnings {
				if w.Column == c.col {
					warned = w.Message
				}
			}
			if (c.warning == "") != (warned == "") || !strings.Contains(warned, c.warning) {
				t.Errorf("warning %q, want one containing %q", warned, c.warning)
			}
			if len(p.Warnings) != len(fr.Warnings) {
				t.Errorf("profile has %d warnings, the frame %d", len(p.Warnings), len(fr.Warnings))
			}
			if c.kind != Numeric {
				return
			}
			if col.Missing != c.missing {
				t.Errorf("missing %d, want %d", col.Missing, c.missing)
			}
			nan := 0
			for _, v := range col.Num {
				if math.IsNaN(v) {
					nan++
				}
			}
			if nan != col.Missing {
				t.Errorf("%d NaN values but Missing = %d", nan, col.Missing)
			}
			if s := colProfile(p, c.col).Numeric; s.Infinite != c.infinite {
				t.Errorf("infinite %d, want %d", s.Infinite, c.infinite)
			}
		})
	}
}

// TestRepeatedSentencesAreCategorical: a string column with at most 100
// distinct values and at most 5% distinct values per row is categorical
// however long its values; free text stays text (issue 16: five short
// sentences over 3,000 rows were text, and fit ignored them).
func TestRepeatedSentencesAreCategorical(t *testing.T) {
	sentences := []string{
		"the customer called twice about a late delivery",
		"payment was declined by the bank on the first try",
		"account opened online with a verified email address",
	}
	many := func(rows, distinct int) string {
		var b strings.Builder
		b.WriteString("note,y\n")
		for i := range rows {
			fmt.Fprintf(&b, "\"%s number %d\",%d\n", sentences[(i%distinct)%3], i%distinct, i%2)
		}
		return b.String()
	}
	cases := []struct {
		name string
		in   string // CSV text, or "" to read file
		file string
		kind Kind
	}{
		{name: "five sentences, 3000 rows", file: "sentences.csv", kind: Categorical},
		{name: "100 sentences, 2000 rows", in: many(2000, 100), kind: Categorical},
		{name: "101 sentences, 3000 rows", in: many(3000, 101), kind: Text},
		{name: "60 sentences, 1000 rows (6% per row)", in: many(1000, 60), kind: Text},
		{name: "distinct sentences", in: many(200, 200), kind: Text},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fr *Frame
			var err error
			if c.file != "" {
				fr, _, err = loadMessy(t, c.file, LoadOptions{})
			} else {
				fr, err = loadString(t, c.in, LoadOptions{Target: "y"})
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fr.Col("note").Kind; got != c.kind {
				t.Errorf("note is %s, want %s", got, c.kind)
			}
		})
	}
}

// TestOtherInputs: semicolon- and tab-separated files, gzip and zstd, CR-only
// line ends read as the plain comma-separated file does; a header-only file,
// a binary file and a UTF-16 file are refused saying why (issue 16).
func TestOtherInputs(t *testing.T) {
	plain, _, err := loadMessy(t, "plain.csv", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		opt  LoadOptions
		err  string // "" when it must read like plain.csv
		is   error
	}{
		{file: "semicolon.csv"},
		{file: "tab.tsv"},
		{file: "tab.tsv", opt: LoadOptions{Delimiter: "tab"}},
		{file: "cr_only.csv"},
		{file: "plain.csv.gz"},
		{file: "plain.csv.zst"},
		{file: "semicolon.csv", opt: LoadOptions{Delimiter: ","}, err: `names column "y", which is not in the header`, is: ErrUnknownColumn},
		{file: "plain.csv", opt: LoadOptions{Delimiter: "ab"}, err: `delimiter "ab": want one ASCII character`},
		{file: "header_only.csv", err: "header_only.csv: no data rows: the file has a header line and nothing else", is: ErrNoRows},
		{file: "binary.csv", err: "binary.csv: does not look like text: a NUL byte at offset 8", is: ErrNotText},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.opt.Delimiter, func(t *testing.T) {
			fr, _, err := loadMessy(t, c.file, c.opt)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				if c.is != nil && !errors.Is(err, c.is) {
					t.Errorf("error %v is not %v", err, c.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fr.Rows != plain.Rows || strings.Join(fr.Names(), ",") != "x,z,y" {
				t.Fatalf("%d rows, columns %v; want %d rows, x,z,y", fr.Rows, fr.Names(), plain.Rows)
			}
			for _, name := range []string{"x", "z"} {
				a, b := fr.Col(name), plain.Col(name)
				if a.Kind != Numeric {
					t.Fatalf("%s is %s", name, a.Kind)
				}
				for i := range a.Num {
					if a.Num[i] != b.Num[i] {
						t.Fatalf("%s row %d = %v, plain.csv has %v", name, i, a.Num[i], b.Num[i])
					}
				}
			}
			if fr.Lines[len(fr.Lines)-1] != int32(fr.Rows+1) {
				t.Errorf("last row on line %d, want %d", fr.Lines[len(fr.Lines)-1], fr.Rows+1)
			}
		})
	}
	// A lone CR inside a quoted field of an LF file is data, not a line end.
	fr, err := LoadCSV(strings.NewReader("a,y\n\"x\ry\",0\nz,1\n"), "q.csv", LoadOptions{Categorical: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fr.Col("a").Str(0); got != "x\ry" || fr.Lines[1] != 3 {
		t.Errorf("quoted CR: %q, second row on line %d; want \"x\\ry\" and line 3", got, fr.Lines[1])
	}
	_, err = LoadCSV(strings.NewReader("\xff\xfea\x00,\x00b\x00\n\x00"), "u16.csv", LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "u16.csv: line 1: does not look like text: it is UTF-16") {
		t.Errorf("UTF-16 input: %v", err)
	}
}

// TestProfileDatesAndLabelledQuantiles: a datetime column is summarised as
// ISO dates, and quantiles carry their labels in JSON.
func TestProfileDatesAndLabelledQuantiles(t *testing.T) {
	_, p, err := loadMessy(t, "dates.csv", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	day := colProfile(p, "day")
	if day.Kind != "datetime" || day.Numeric != nil || day.Dates == nil {
		t.Fatalf("day = %+v, want datetime with dates and no numeric stats", day)
	}
	if *day.Dates != (DateStats{Min: "2024-01-01", Median: "2024-02-22", Max: "2024-04-16"}) {
		t.Errorf("dates = %+v", *day.Dates)
	}
	b, err := json.Marshal(colProfile(p, "z").Numeric)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"p01":`, `"p05":`, `"p25":`, `"p50":`, `"p75":`, `"p95":`, `"p99":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("numeric stats JSON %s lacks %s", b, k)
		}
	}
	var q Quantiles
	if err := json.Unmarshal([]byte(`[1,2,3,4,5,6,7]`), &q); err != nil || q.P50 != 4 || q.P99 != 7 {
		t.Errorf("journaled list form: %+v, %v", q, err)
	}
}

// TestStraysAtTheTopStillNumeric: strings filling the first rows switch a
// column to strings early (so that categorical columns need no second pass
// over the whole file); when they stay within 1% of the column, it is read
// back as numbers with the same warning and values as a column whose strays
// come later.
func TestStraysAtTheTopStillNumeric(t *testing.T) {
	build := func(top bool) string {
		var b strings.Builder
		b.WriteString("x,y\n")
		for i := range 10000 {
			v := fmt.Sprintf("%d.5", i%977)
			if (top && i < 60) || (!top && i >= 5000 && i < 5060) {
				v = "unknown"
			}
			fmt.Fprintf(&b, "%s,%d\n", v, i%2)
		}
		return b.String()
	}
	cases := []struct {
		top     bool
		warning string
	}{
		{true, `column "x" is numeric; 60 values that are not numbers were read as missing: "unknown" (60 rows, first on line 2)`},
		{false, `column "x" is numeric; 60 values that are not numbers were read as missing: "unknown" (60 rows, first on line 5002)`},
	}
	for _, c := range cases {
		fr, err := loadString(t, build(c.top), LoadOptions{Target: "y"})
		if err != nil {
			t.Fatal(err)
		}
		x := fr.Col("x")
		if x.Kind != Numeric || x.Missing != 60 || len(fr.Warnings) != 1 || !strings.Contains(fr.Warnings[0].Message, c.warning) {
			t.Fatalf("top=%v: x is %s with %d missing, warnings %v", c.top, x.Kind, x.Missing, fr.Warnings)
		}
		if x.Num[100] != 100.5 || x.Num[9999] != float64(9999%977)+0.5 {
			t.Errorf("top=%v: values %v, %v", c.top, x.Num[100], x.Num[9999])
		}
	}
}
