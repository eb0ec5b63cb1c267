package features

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedData returns the path of a file in ../shared/data, skipping the test
// when the folder is absent (CI and developers have it beside the repo).
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared dataset %s not found (%v): it lives in ../shared/data beside the repository", rel, err)
	}
	return p
}

func loadString(t *testing.T, s string, opt LoadOptions) (*Frame, error) {
	t.Helper()
	return LoadCSV(strings.NewReader(s), "in.csv", opt)
}

func TestCSVRFC4180Quoting(t *testing.T) {
	in := "\xEF\xBB\xBF\"name\",note,n\r\n" +
		"\"Smith, J\",\"said \"\"hi\"\"\",1\r\n" +
		"plain,\"two\nlines\",2\r\n" +
		"\"\",x,3" // last line without a line end, empty quoted field
	fr, err := loadString(t, in, LoadOptions{Categorical: []string{"name", "note"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fr.Names(), "|"); got != "name|note|n" {
		t.Fatalf("header = %q (BOM or quotes not stripped)", got)
	}
	name, note, n := fr.Col("name"), fr.Col("note"), fr.Col("n")
	want := []struct {
		name, note string
		n          float64
	}{{"Smith, J", `said "hi"`, 1}, {"plain", "two\nlines", 2}, {"", "x", 3}}
	for i, w := range want {
		gotName, _ := name.Str(i)
		gotNote, _ := note.Str(i)
		if gotName != w.name || gotNote != w.note || n.Num[i] != w.n {
			t.Errorf("row %d = %q %q %v, want %q %q %v", i, gotName, gotNote, n.Num[i], w.name, w.note, w.n)
		}
	}
	if !name.IsMissing(2) {
		t.Errorf("an empty quoted field should read as missing")
	}
}

func TestCSVRejectsMalformedInput(t *testing.T) {
	cases := []struct {
		name, in string
		want     string
		is       error
	}{
		{"ragged row", "a,b\n1,2\n3\n", "in.csv: line 3: wrong number of fields: 1 fields, the header has 2", ErrRaggedRow},
		{"ragged after multiline", "a,b\n\"x\ny\",2\n1,2,3\n", "in.csv: line 4: wrong number of fields: 3 fields, the header has 2", ErrRaggedRow},
		{"duplicate header", "a,b,a\n1,2,3\n", `in.csv: line 1 (field "a"): bad header: name used twice, by columns 1 and 3`, ErrBadHeader},
		{"empty header", "a,,c\n1,2,3\n", "in.csv: line 1: bad header: column 2 has an empty name", ErrBadHeader},
		{"no header", "", "in.csv: line 1: bad header: empty file: a header row is required", ErrBadHeader},
		{"bare quote", "a,b\n1,x\"y\n", "in.csv: line 2, column 4: malformed quoted field: bare \" in unquoted field (quote the whole field and double the quote)", ErrQuote},
		{"text after quote", "a,b\n1,\"x\"y\n", "in.csv: line 2, column 6: malformed quoted field: unexpected 'y' after closing quote", ErrQuote},
		{"unterminated quote", "a,b\n1,\"xy\n2,3\n", "in.csv: line 2: malformed quoted field: quoted field not closed before end of file", ErrQuote},
		{"invalid utf8", "a,b\n1,\xff\xfe\n", `in.csv: line 2 (field "b"): invalid UTF-8`, nil},
		{"declared numeric", "a,b\n1,2\nw0,3\nw1,3\nw2,3\nw3,3\nw4,3\nw5,3\nw6,3\nw7,3\nw8,3\nw9,3\nx,3\n",
			`in.csv: line 13 (field "a"): not a number: "x" in a column declared numeric, which takes at most 10 distinct strings as missing (or list them in --missing)`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := LoadOptions{}
			if c.name == "declared numeric" {
				opt.Numeric = []string{"a"}
			}
			_, err := loadString(t, c.in, opt)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error does not wrap %v", c.is)
			}
		})
	}
}

func TestCSVUnknownOptionColumnSuggests(t *testing.T) {
	_, err := loadString(t, "amount,merchant\n1,a\n", LoadOptions{Categorical: []string{"amout"}})
	want := `in.csv: --categorical names column "amout", which is not in the header (did you mean "amount"?): unknown column`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

func TestCSVMissingMarkersAndCodes(t *testing.T) {
	in := "x,zip,h,big,flag\n" +
		"1.5,02134,123,10000169349117863715,NA\n" +
		"NA,10001,8cf07265,1,?\n" +
		"null,,77,2,None\n" +
		"?,94105,1e3,3,\n"
	fr, err := loadString(t, in, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := fr.Col("x")
	if x.Kind != Numeric || x.Missing != 3 || x.Num[0] != 1.5 || !math.IsNaN(x.Num[1]) {
		t.Errorf("x = %v %v missing %d", x.Kind, x.Num, x.Missing)
	}
	for _, tc := range []struct {
		col  string
		want []string
	}{
		{"zip", []string{"02134", "10001", "", "94105"}},
		{"h", []string{"123", "8cf07265", "77", "1e3"}}, // digits before the hash keep their exact text
		{"big", []string{"10000169349117863715", "1", "2", "3"}},
	} {
		c := fr.Col(tc.col)
		if !c.Kind.IsString() {
			t.Errorf("%s loaded as %s, want a string kind", tc.col, c.Kind)
			continue
		}
		for i, w := range tc.want {
			got, ok := c.Str(i)
			if w == "" && ok || got != w {
				t.Errorf("%s row %d = %q (present %v), want %q", tc.col, i, got, ok, w)
			}
		}
	}
	if f := fr.Col("flag"); f.Missing != 4 {
		t.Errorf("flag: %d missing, want all 4", f.Missing)
	}
	// Custom markers replace the defaults.
	fr, err = loadString(t, "x\n-999\n1\n", LoadOptions{Missing: []string{"-999"}})
	if err != nil || fr.Col("x").Missing != 1 {
		t.Fatalf("custom missing marker: err %v, missing %d", err, fr.Col("x").Missing)
	}
}

func TestCSVOverridesAndDrop(t *testing.T) {
	in := "id,code,note,y\n7,1,hello there,0\n9,2,general kenobi,1\n"
	fr, err := loadString(t, in, LoadOptions{IDCols: []string{"id"}, Categorical: []string{"code"}, Text: []string{"note"}, Drop: []string{"y"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fr.Names(), ","); got != "id,code,note" {
		t.Errorf("columns %q, want y dropped", got)
	}
	for col, k := range map[string]Kind{"id": Identifier, "code": Categorical, "note": Text} {
		if fr.Col(col).Kind != k {
			t.Errorf("%s is %s, want %s", col, fr.Col(col).Kind, k)
		}
	}
	if s, _ := fr.Col("id").Str(1); s != "9" {
		t.Errorf("id row 1 = %q", s)
	}
}

func TestCSVDatetimeColumns(t *testing.T) {
	fr, err := loadString(t, "ts,v\n2024-01-02 03:04:05,1\n2024-01-02T03:04:06Z,2\n,3\n", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := fr.Col("ts")
	if ts.Kind != Datetime || ts.Num[0] != 1704164645 || ts.Num[1] != 1704164646 || !math.IsNaN(ts.Num[2]) {
		t.Errorf("ts = %s %v", ts.Kind, ts.Num)
	}
}

// TestSharedDataKinds writes down the kinds a person expects for every
// shared dataset and checks that loading gives them.
func TestSharedDataKinds(t *testing.T) {
	type want struct {
		rows, cols int
		kinds      map[string]Kind
		// every other column has this kind
		rest Kind
	}
	cases := map[string]want{
		"click/avazu_100.csv": {100, 24, map[string]Kind{"id": Identifier, "click": Categorical,
			"site_id": Categorical, "site_domain": Categorical, "site_category": Categorical, "app_id": Categorical,
			"app_domain": Categorical, "app_category": Categorical, "device_id": Categorical, "device_ip": Categorical,
			"device_model": Categorical}, Numeric},
		"click/criteo_200.csv":     {200, 40, criteoKinds(), Numeric},
		"click/criteo_5k.csv":      {4978, 40, criteoKinds(), Numeric},
		"fraud/creditcard_10k.csv": {10000, 31, map[string]Kind{"Class": Categorical}, Numeric},
		"fraud/vehicle_claims.csv": {15420, 33, map[string]Kind{"WeekOfMonth": Numeric, "WeekOfMonthClaimed": Numeric,
			"Age": Numeric, "FraudFound_P": Categorical, "PolicyNumber": Identifier, "RepNumber": Numeric, "Deductible": Numeric,
			"DriverRating": Numeric, "Year": Numeric}, Categorical},
		"spam/sms_spam.csv": {5574, 2, map[string]Kind{"text": Text, "is_spam": Categorical}, Numeric},
		"spam/enron1.csv":   {5172, 2, map[string]Kind{"text": Text, "is_spam": Categorical}, Numeric},
	}
	targets := map[string]string{"click/avazu_100.csv": "click", "click/criteo_200.csv": "label", "click/criteo_5k.csv": "label",
		"fraud/creditcard_10k.csv": "Class", "fraud/vehicle_claims.csv": "FraudFound_P", "spam/sms_spam.csv": "is_spam", "spam/enron1.csv": "is_spam"}
	for file, w := range cases {
		t.Run(file, func(t *testing.T) {
			fr, err := LoadFile(sharedData(t, file), LoadOptions{Target: targets[file]})
			if err != nil {
				t.Fatal(err)
			}
			if fr.Rows != w.rows || len(fr.Columns) != w.cols {
				t.Errorf("%d rows × %d columns, want %d × %d", fr.Rows, len(fr.Columns), w.rows, w.cols)
			}
			for _, c := range fr.Columns {
				k, ok := w.kinds[c.Name]
				if !ok {
					k = w.rest
				}
				if c.Kind != k {
					t.Errorf("column %s loaded as %s, want %s", c.Name, c.Kind, k)
				}
			}
		})
	}
}

func criteoKinds() map[string]Kind {
	m := map[string]Kind{"label": Categorical}
	for i := 1; i <= 26; i++ {
		m["C"+itoa(i)] = Categorical
	}
	return m
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestSharedDataExactValues(t *testing.T) {
	fr, err := LoadFile(sharedData(t, "click/avazu_100.csv"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := fr.Col("id").Str(1); s != "10000169349117863715" {
		t.Errorf("avazu id row 2 = %q, want the exact 20-digit id", s)
	}
	fr, err = LoadFile(sharedData(t, "fraud/vehicle_claims.csv"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fr.Columns {
		if c.Kind.IsString() {
			for _, l := range c.Levels {
				if strings.ContainsAny(l, "\r\n") {
					t.Fatalf("column %s level %q keeps a CR/LF: CRLF line ends not handled", c.Name, l)
				}
			}
		}
	}
	if s, _ := fr.Col("BasePolicy").Str(0); s != "Liability" {
		t.Errorf("last column of first row = %q, want Liability (no trailing CR)", s)
	}
}

func TestTargetChoosesPositive(t *testing.T) {
	cases := []struct {
		in, positive, wantPos, why string
		wantErr                    string
	}{
		{"y\n0\n1\n1\n", "", "1", "conventional positive value", ""},
		{"y\nham\nspam\nham\n", "", "spam", "conventional positive value", ""},
		{"y\nb\na\nb\n", "", "a", "rarer class", ""},
		{"y\nb\na\nb\n", "b", "b", "--positive", ""},
		{"y\n0\n0\n", "", "", "", `target column "y" has a single class ("0"×2); a binary label needs two: unusable target`},
		{"y\n0\n1\n2\n", "", "", "", `target column "y" has 3 distinct values ("0"×1, "1"×1, "2"×1); a binary label needs exactly two: unusable target`},
		{"y\n0\n\n1\nNA\n", "", "", "", `target column "y": 1 of 3 rows have no label (data rows 3…); drop or fill them: unusable target`},
		{"y\n0\n1\n", "yes", "", "", `--positive "yes" is not a value of target column "y" (values: "0"×1, "1"×1): unusable target`},
	}
	for _, c := range cases {
		fr, err := loadString(t, c.in, LoadOptions{Target: "y"})
		if err != nil {
			t.Fatal(err)
		}
		tg, err := ParseTarget(fr, "y", c.positive)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%q: error %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if tg.Positive != c.wantPos || tg.Why != c.why {
			t.Errorf("%q: positive %q (%s), want %q (%s)", c.in, tg.Positive, tg.Why, c.wantPos, c.why)
		}
	}
}

func TestProfileFlagsPlantedLeak(t *testing.T) {
	var b strings.Builder
	b.WriteString("leak,noise,y\n")
	for i := 0; i < 400; i++ {
		y := i % 3 % 2
		b.WriteString([]string{"no", "yes"}[y] + "," + itoa(i*7%13) + "," + itoa(y) + "\n")
	}
	fr, err := loadString(t, b.String(), LoadOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := ParseTarget(fr, "y", "")
	if err != nil {
		t.Fatal(err)
	}
	p := ProfileFrame(fr, tg, 1)
	if len(p.Leaks) != 1 || p.Leaks[0] != "leak" {
		t.Fatalf("leaks = %v, want [leak]", p.Leaks)
	}
	if p.Columns[1].AUC > 0.7 {
		t.Errorf("noise column AUC %.3f, want near 0.5", p.Columns[1].AUC)
	}
}

func TestProfileDoesNotFlagHighCardinalityAsLeak(t *testing.T) {
	// criteo's hashed categoricals have thousands of levels, most seen once:
	// an in-sample level rate would score them near 1.0.
	fr, err := LoadFile(sharedData(t, "click/criteo_5k.csv"), LoadOptions{Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := ParseTarget(fr, "label", "")
	if err != nil {
		t.Fatal(err)
	}
	p := ProfileFrame(fr, tg, 1)
	if len(p.Leaks) != 0 {
		t.Errorf("leaks = %v on criteo_5k, want none", p.Leaks)
	}
	if p.Positive != "1" || math.Abs(p.LabelRate-0.262) > 0.001 {
		t.Errorf("positive %q rate %.4f, want \"1\" ≈ 0.262", p.Positive, p.LabelRate)
	}
}
