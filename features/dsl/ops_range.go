package dsl

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// rangeMid reads a level that names a number or a binned range and returns
// a representative number, so that a tree can split the levels in their
// order instead of as unordered categories:
//
//	"a to b", "a - b", "between a and b"  → (a + b) / 2
//	"more than a", "over a", "above a", "a+", "> a", "at least a", "a or more"
//	                                       → a + |a|/4 (a = 0: 1)
//	"less than a", "under a", "below a", "< a", "up to a", "at most a", "a or less"
//	                                       → a − |a|/4 (a = 0: −1)
//	"a", "a years", "2 vehicles"           → a
//	"none", "zero", "new"                  → 0
//
// Numbers are standalone decimal tokens (a sign, digits with optional
// thousands commas "20,000", an optional fraction); digits glued to
// letters ("68fd1e64", "C14") are words, so hashed ids do not parse. A time
// unit after a number (day, week, month, year and their plurals) converts
// it to years, and a number without one takes the unit of the range's
// other end ("2 to 3 years"), so "under 6 months" sorts below "1 year".
// Other words are ignored. Anything else — no number, three numbers, two
// numbers without "to", "-" or "and" between them, a result beyond the
// float64 range — is missing (NaN).
func rangeMid(level string) float64 {
	if v := rangeValue(level); !math.IsInf(v, 0) {
		return v
	}
	return math.NaN()
}

// rangeValue is rangeMid before the overflow check.
func rangeValue(level string) float64 {
	toks := rangeTokens(strings.ToLower(strings.TrimSpace(level)))
	var nums []float64
	var units []float64 // per number; 0 = no unit of its own
	var words []string  // non-number tokens, in order
	joined := false     // "to", "-", "and" between two numbers
	for i, tk := range toks {
		if tk.isNum {
			nums = append(nums, tk.num)
			u := 0.0
			if i+1 < len(toks) && !toks[i+1].isNum {
				u = timeUnit(toks[i+1].text)
			}
			units = append(units, u)
			continue
		}
		if len(nums) == 1 && i+1 < len(toks) && toks[i+1].isNum && (tk.text == "to" || tk.text == "-" || tk.text == "–" || tk.text == "and") {
			joined = true
		}
		words = append(words, tk.text)
	}
	switch len(nums) {
	case 0:
		if len(words) == 1 && (words[0] == "none" || words[0] == "zero" || words[0] == "new") {
			return 0
		}
		return math.NaN()
	case 1:
		a := nums[0] * unitOr(units[0], 1)
		return a + openBound(words)*math.Max(math.Abs(a)/4, boundStep(a))
	case 2:
		if !joined {
			return math.NaN()
		}
		ua, ub := unitOr(units[0], unitOr(units[1], 1)), unitOr(units[1], unitOr(units[0], 1))
		return (nums[0]*ua + nums[1]*ub) / 2
	}
	return math.NaN()
}

// boundStep is the step of an open bound at a = 0 (|a|/4 would be 0).
func boundStep(a float64) float64 {
	if a == 0 {
		return 1
	}
	return 0
}

func unitOr(u, def float64) float64 {
	if u == 0 {
		return def
	}
	return u
}

// timeUnit is the length of a time unit in years, 0 for any other word.
func timeUnit(w string) float64 {
	switch w {
	case "day", "days":
		return 1 / 365.25
	case "week", "weeks":
		return 7 / 365.25
	case "month", "months":
		return 1.0 / 12
	case "year", "years", "yr", "yrs":
		return 1
	}
	return 0
}

// openBound is +1 for a lower bound ("more than a": the value lies above
// a), −1 for an upper bound ("less than a"), 0 for an exact number.
func openBound(words []string) float64 {
	s := " " + strings.Join(words, " ") + " "
	for _, w := range []string{" more than ", " greater than ", " over ", " above ", " at least ", " + ", " > ", " >= ", " ≥ ", " or more ", " and more ", " and over ", " or over "} {
		if strings.Contains(s, w) {
			return 1
		}
	}
	for _, w := range []string{" less than ", " fewer than ", " under ", " below ", " up to ", " at most ", " < ", " <= ", " ≤ ", " or less ", " or fewer ", " and under ", " and less "} {
		if strings.Contains(s, w) {
			return -1
		}
	}
	return 0
}

type rangeToken struct {
	text  string
	isNum bool
	num   float64
}

// rangeTokens splits a lower-cased level into numbers, words and the
// symbols - – + < > <= >= ≤ ≥ (a "-" right before a digit, at the start or
// after a word or symbol, is a sign).
func rangeTokens(s string) []rangeToken {
	var out []rangeToken
	rs := []rune(s)
	isDigit := func(i int) bool { return i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	isLetter := func(i int) bool { return i >= 0 && i < len(rs) && unicode.IsLetter(rs[i]) }
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t' || r == ',' || r == '$' || r == '€' || r == '£' || r == '%' || r == '(' || r == ')':
			i++
		case isDigit(i) || (r == '-' && isDigit(i+1) && (len(out) == 0 || !out[len(out)-1].isNum)) || (r == '.' && isDigit(i+1)):
			j := i
			if r == '-' {
				j++
			}
			var b strings.Builder
			if r == '-' {
				b.WriteByte('-')
			}
		digits:
			for ; j < len(rs); j++ {
				switch {
				case isDigit(j), rs[j] == '.':
					b.WriteRune(rs[j])
				case rs[j] == ',' && isDigit(j+1) && isDigit(j+2) && isDigit(j+3) && !isDigit(j+4):
					// thousands separator
				default:
					break digits
				}
			}
			word := isLetter(j) || isLetter(i-1)
			for ; isLetter(j) || isDigit(j); j++ {
			}
			v, err := strconv.ParseFloat(b.String(), 64)
			if word || err != nil || math.IsInf(v, 0) {
				out = append(out, rangeToken{text: string(rs[i:j])})
			} else {
				out = append(out, rangeToken{text: string(rs[i:j]), isNum: true, num: v})
			}
			i = j
		case isLetter(i):
			j := i
			for ; isLetter(j) || isDigit(j); j++ {
			}
			out = append(out, rangeToken{text: string(rs[i:j])})
			i = j
		case (r == '<' || r == '>') && i+1 < len(rs) && rs[i+1] == '=':
			out = append(out, rangeToken{text: string(rs[i : i+2])})
			i += 2
		default:
			out = append(out, rangeToken{text: string(r)})
			i++
		}
	}
	return out
}

// RangeLike reports whether range_mid reads a categorical column's levels
// as numbers: at least 3 distinct levels, at least 80% of them naming a
// number or range, and at least 3 distinct numbers among them. It is the
// test a planner can use before proposing range_mid(c) in place of c:
// true for binned ranges such as "less than 20000", "20000 to 29000",
// "more than 69000", false for names, hashed ids and yes/no flags.
func RangeLike(levels []string) bool {
	if len(levels) < 3 {
		return false
	}
	parsed := 0
	distinct := map[float64]bool{}
	for _, l := range levels {
		if v := rangeMid(l); !math.IsNaN(v) {
			parsed++
			distinct[v] = true
		}
	}
	return parsed*5 >= len(levels)*4 && len(distinct) >= 3
}
