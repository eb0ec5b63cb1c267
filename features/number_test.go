package features

import (
	"math"
	"strconv"
	"testing"
)

func TestParseNumberAgreesWithStrconv(t *testing.T) {
	cases := []string{"0", "1", "-1", "+2", "3.25", "-0.5", ".5", "5.", "1e3", "1E-3", "2.5e+10",
		"123456789012345", "9007199254740992", "0.1", "0.30000000000000004", "1.7976931348623157e308",
		"4.9e-324", "-1.2042004651595", "260.0", "1234567890.123456789", "1e-400", " 7 ", "0.000001234"}
	for _, s := range cases {
		got, ok := parseNumber([]byte(s))
		if !ok {
			t.Errorf("parseNumber(%q) rejected", s)
			continue
		}
		want, _ := strconv.ParseFloat(trimSpace(s), 64)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseNumber(%q) = %v, strconv says %v", s, got, want)
		}
	}
}

func trimSpace(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func TestParseNumberKeepsCodesAsText(t *testing.T) {
	for _, s := range []string{"", "-", "abc", "8cf07265", "02134", "00", "0x1p3", "infi", "nann", ".inf", "+-inf", "in f",
		"1e", "1.2.3", "10000169349117863715", "9007199254740993", "1,5", "1e5x"} {
		if v, ok := parseNumber([]byte(s)); ok {
			t.Errorf("parseNumber(%q) = %v, want rejected as text", s, v)
		}
	}
}

// TestParseNumberReadsInfinityAndNaN: the spellings pandas and LightGBM
// read as numbers (issue 16: they turned a numeric column categorical).
func TestParseNumberReadsInfinityAndNaN(t *testing.T) {
	cases := []struct {
		in   string
		want float64
	}{
		{"inf", math.Inf(1)}, {"-inf", math.Inf(-1)}, {"+inf", math.Inf(1)}, {"INF", math.Inf(1)},
		{"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}, {"infinity", math.Inf(1)}, {" inf ", math.Inf(1)},
		{"nan", math.NaN()}, {"NaN", math.NaN()}, {"-nan", math.NaN()}, {"NAN", math.NaN()},
		{"1e400", math.Inf(1)}, {"-1e400", math.Inf(-1)},
	}
	for _, c := range cases {
		got, ok := parseNumber([]byte(c.in))
		if !ok || math.Float64bits(got) != math.Float64bits(c.want) && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
}
