package dsl

import (
	"strings"
	"testing"
)

func TestParseCanonicalForm(t *testing.T) {
	tests := []struct{ src, want string }{
		{"log1p(amount)", "log1p(amount)"},
		{"  log1p( amount )  ;; ", "log1p(amount)"},
		{"b = ratio(x,y)\na = log1p(x)", "a = log1p(x); b = ratio(x, y)"},
		{"target_mean(m, smoothing=10)", "target_mean(m)"},
		{"target_mean(m, 20)", "target_mean(m, smoothing=20)"},
		{"cross(region, device)", "cross(device, region)"},
		{"prod(b, a)", "prod(a, b)"},
		{"y + x", "x + y"},
		{"x - y", "x - y"},
		{"a * b + c / 2", "(a * b) + (c / 2)"},
		{"-x", "-x"},
		{"-(x + 1)", "-(1 + x)"},
		{"clip(x, -1, 2.50)", "clip(x, -1, 2.5)"},
		{`group_count(card, window="60m", time=ts)`, `group_count(card, window="1h", time=ts)`},
		{`group_count(card, time=ts, window="1h30m")`, `group_count(card, window="90m", time=ts)`},
		{`group_count(time=ts, window="60m")`, `group_count(window="1h", time=ts)`},
		{"group_mean(x, by=card, time=ts)", "group_mean(x, card, time=ts)"},
		{"group_mean(x, time=ts)", "group_mean(x, time=ts)"},
		{"log1p(`amount ($)`)", "log1p(`amount ($)`)"},
		{"`a``b` = abs(x)", "`a``b` = abs(x)"},
		{"drop(PolicyNumber); drop(PolicyNumber)", "drop(PolicyNumber)"},
		{"x = log1p(a)  # comment\n", "x = log1p(a)"},
		{"`log1p(a)` = log1p(a)", "log1p(a)"},
		{"ratio(\n a,\n b)", "ratio(a, b)"},
		{"a +\n b", "a + b"},
		{`contains(t, "fr\"ee")`, `contains(t, "fr\"ee")`},
		{"1e3 * x", "1000 * x"},
		{"", ""},
		{" ; # nothing\n", ""},
		// row ops: arguments sorted, each keeping its weight
		{"sum(c, b, a)", "sum(a, b, c)"},
		{"sum( a ,\n b )", "sum(a, b)"},
		{"mean(b, a, b)", "mean(a, b, b)"},
		{"max(a, 0)", "max(0, a)"},
		{"min(b * 2, log1p(a))", "min(2 * b, log1p(a))"},
		{"wsum(c, a, b, weights=[3, 1, 2])", "wsum(a, b, c, weights=[1, 2, 3])"},
		{"wsum(a, a, weights=[2, -1.50])", "wsum(a, a, weights=[-1.5, 2])"},
		{"wsum(b, a, weights = [\n 1e3,\n -0.5\n])", "wsum(a, b, weights=[-0.5, 1000])"},
		{"sum(sum(d, c), b, a)", "sum(a, b, sum(c, d))"},
		{"t = sum(`x y`, a)", "t = sum(`x y`, a)"},
	}
	for _, tc := range tests {
		s, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		if got := s.Canonical(); got != tc.want {
			t.Errorf("Parse(%q).Canonical() = %q, want %q", tc.src, got, tc.want)
		}
		// the canonical form is a fixed point
		again, err := Parse(s.Canonical())
		if err != nil || again.Canonical() != s.Canonical() {
			t.Errorf("canonical %q does not re-parse to itself: %v", s.Canonical(), err)
		}
	}
}

func TestSameMeaningSameHash(t *testing.T) {
	pairs := [][2]string{
		{"log1p(amount); count(merchant)", "count(merchant)\nlog1p( amount )"},
		{"cross(a, b, max_levels=1000)", "cross(b, a)"},
		{`group_mean(x, by=card, time=ts, window="7d")`, `group_mean(x, card, "1w", ts)`},
		{"rare(c, min_count=10)", "rare(c)"},
		{"x*2 + y", "y + 2*x"},
		{"sum(a, b, c)", "sum(c, a, b)"},
		{"wsum(a, b, weights=[1, 2])", "wsum(b, a, weights=[2, 1])"},
		{"max(a, b)", "max(b, a)"},
	}
	for _, p := range pairs {
		a, b := MustParse(p[0]), MustParse(p[1])
		if a.Hash() != b.Hash() {
			t.Errorf("%q and %q differ: %q vs %q", p[0], p[1], a.Canonical(), b.Canonical())
		}
	}
	different := [][2]string{
		{"x - y", "y - x"},
		{"ratio(a, b)", "ratio(b, a)"},
		{"a = log1p(x)", "b = log1p(x)"},
		{"target_mean(m)", "target_mean(m, smoothing=5)"},
		{"wsum(a, b, weights=[1, 2])", "wsum(a, b, weights=[2, 1])"},
		{"sum(a, b)", "mean(a, b)"},
		{"sum(a, b)", "a + b"},
		{"sum(a, a, b)", "sum(a, b)"},
	}
	for _, p := range different {
		if MustParse(p[0]).Hash() == MustParse(p[1]).Hash() {
			t.Errorf("%q and %q hash the same", p[0], p[1])
		}
	}
	if h := MustParse("log1p(amount)").Hash(); len(h) != 64 {
		t.Errorf("hash %q is not 64 hex digits", h)
	}
}

// TestHashIsStable pins a spec's identity: trial identities in existing
// journals depend on it. Change hashDomain when the canonical form must change.
func TestHashIsStable(t *testing.T) {
	s := MustParse(`v = group_count(card, time=ts, window="60m")
log1p( amount ); count(merchant)`)
	if got, want := s.Canonical(), `count(merchant); log1p(amount); v = group_count(card, window="1h", time=ts)`; got != want {
		t.Errorf("canonical %q, want %q", got, want)
	}
	if got, want := s.Hash(), "ac1c2918d977b6129b4ac18184bd1bc3d3ae55d25d9a9754088cb31c01979ea1"; got != want {
		t.Errorf("hash %s, want %s", got, want)
	}
}

func TestParseErrorsHavePositionsAndHints(t *testing.T) {
	many := "sum(" + strings.Repeat("a, ", MaxVariadic) + "a)"
	tests := []specCase{
		{"log1q(x)", 1, 1, `unknown op "log1q"`, `did you mean "log1p"?`, ErrUnknownOp},
		{"a = log1p(x)\nb = grop_mean(x, by=c)", 2, 5, `unknown op "grop_mean"`, `did you mean "group_mean"?`, ErrUnknownOp},
		{"target_mean(m, smoothin=3)", 1, 16, `target_mean has no parameter "smoothin"`, `did you mean "smoothing"?`, ErrArgument},
		{"bin(x, 1)", 1, 8, "bin(k=...): 1 is outside the allowed range [2, 256]", "", ErrArgument},
		{"bin(x, 2.5)", 1, 8, "want an integer", "", ErrArgument},
		{"clip(x, 0)", 1, 1, `clip is missing its argument "hi"`, "signature: clip(", ErrArgument},
		{"log1p(x, y)", 1, 10, "too many arguments to log1p", "", ErrArgument},
		{"log1p(x", 1, 8, "expected ',' or ')'", "", ErrSyntax},
		{"(x + 1", 1, 7, "expected ')'", "close the '(' opened at 1:1", ErrSyntax},
		{`contains(t, "free)`, 1, 13, "unterminated string", "", ErrSyntax},
		{"log1p(x) log1p(y)", 1, 10, "unexpected name", "separate items", ErrSyntax},
		{"x = ", 1, 5, "expected a column", "", ErrSyntax},
		{"3", 1, 1, "constant", "", ErrSyntax},
		{"log1p(x $)", 1, 9, "unexpected character '$'", "backquotes", ErrSyntax},
		{"log1p(`x)", 1, 7, "unterminated quoted column name", "", ErrSyntax},
		{`regex_count(t, "(")`, 1, 16, "invalid RE2 regexp", "", ErrArgument},
		{`regex_count(t, "a*")`, 1, 16, "matches the empty string", "", ErrArgument},
		{`group_count(c, window="1y", time=ts)`, 1, 23, `unknown unit "y"`, "", ErrArgument},
		{"log1p(drop(x))", 1, 7, "drop(...) is only allowed as a whole item", "", ErrSyntax},
		{"drop(x) + 1", 1, 1, "drop(...) is only allowed as a whole item", "", ErrSyntax},
		{`log1p("amount")`, 1, 7, `got the string "amount"`, "backquotes", ErrArgument},
		{"ratio(a=x, y)", 1, 12, "positional argument after a named one", "", ErrArgument},
		{"2x", 1, 1, "malformed number", "", ErrSyntax},
		{"\n\n   café(x)", 3, 4, `unknown op "café"`, "", ErrUnknownOp},
		{"log1p(x, x=y)", 1, 10, `parameter "x" of log1p given twice`, "", ErrArgument},
		// row ops: argument counts, the weights list, lists elsewhere
		{"sum(a)", 1, 1, "sum needs at least 2 numeric arguments, got 1", "of one argument it is the argument itself", ErrArgument},
		{"max()", 1, 1, "max needs at least 2 numeric arguments, got 0", "signature: max(x1 numeric, x2 numeric, ...)", ErrArgument},
		{"wsum(a, weights=[1])", 1, 1, "wsum needs at least 2 numeric arguments, got 1", "", ErrArgument},
		{many, 1, 5 + 3*MaxVariadic, "sum takes at most 1024 arguments, got 1025", "nest them: sum(sum(...), sum(...))", ErrArgument},
		{"wsum(a, b)", 1, 1, `wsum is missing its argument "weights"`, "signature: wsum(x1 numeric, x2 numeric, ..., weights=[number, ...])", ErrArgument},
		{"wsum(a, b, c, weights=[1, 2])", 1, 23, "wsum has 2 weights for 3 arguments", "one number per argument", ErrArgument},
		{"wsum(a, b, weights=[1, 2, 3])", 1, 20, "wsum has 3 weights for 2 arguments", "", ErrArgument},
		{"wsum(a, b, weights=[])", 1, 20, "wsum(weights=...): empty list", "", ErrArgument},
		{"wsum(a, b, weights=[1, c])", 1, 24, "wsum(weights=...): want a number, got c", "number literals only", ErrArgument},
		{"wsum(a, b, weights=[1, 1e301])", 1, 24, "1e+301 is outside the allowed range", "", ErrArgument},
		{"wsum(a, b, weights=2)", 1, 20, "want a list of numbers, got 2", "brackets", ErrArgument},
		{"wsum(weights=[1, 2], a, b)", 1, 22, "positional argument after a named one", "", ErrArgument},
		{"sum(x=a, b)", 1, 5, "the x arguments of sum are written without a name", "sum(a, b, c)", ErrArgument},
		{"sum(a, b, weights=[1, 2])", 1, 11, `sum has no parameter "weights"`, "", ErrArgument},
		{"sum([a, b])", 1, 5, "want a numeric expression, got a list", "without brackets: sum(a, b, c)", ErrArgument},
		{"log1p([1, 2])", 1, 7, "got a list", "wsum's weights=", ErrArgument},
		{"[1, 2]", 1, 1, "an item cannot be a list", "sum(a, b, c)", ErrSyntax},
		{"wsum(a, b, weights=[1, 2)", 1, 25, "expected ',' or ']' in a list", "close the '[' opened at 1:20", ErrSyntax},
		{`sum(a, "b")`, 1, 8, `got the string "b"`, "backquotes", ErrArgument},
		{"sum(a, drop(b))", 1, 8, "drop(...) is only allowed as a whole item", "", ErrSyntax},
		{"summ(a, b)", 1, 1, `unknown op "summ"`, `did you mean "sum"?`, ErrUnknownOp},
	}
	for _, tc := range tests {
		_, err := Parse(tc.src)
		assertSpecError(t, tc, err)
	}
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		in   string
		secs int64
		out  string
	}{{"90s", 90, "90s"}, {"60s", 60, "1m"}, {"1h30m", 5400, "90m"}, {"24h", 86400, "1d"}, {"14d", 14 * 86400, "2w"}} {
		s, err := parseDuration(tc.in)
		if err != nil || s != tc.secs || formatDuration(s) != tc.out {
			t.Errorf("duration %q: %d %q %v, want %d %q", tc.in, s, formatDuration(s), err, tc.secs, tc.out)
		}
	}
	for _, bad := range []string{"h", "1", "0s", "1x", "-1h", "9999999999d"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("duration %q accepted", bad)
		}
	}
}
