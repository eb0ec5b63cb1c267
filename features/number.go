package features

import (
	"math"
	"strconv"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a decimal number the way a person reads a numeric
// column. It reports ok=false for anything that is better kept as text:
// non-decimal syntax (hex, "0x1p3"), integers with a leading zero ("02134":
// zip codes, hashes), and integers too large for float64 to hold exactly
// (beyond 2^53: ids). The spellings of infinity and NaN that pandas and
// LightGBM read ("inf", "-Infinity", "nan", any case, optional sign) are
// numbers: ±Inf and NaN (which a column reads as missing). Surrounding ASCII
// spaces are ignored.
//
// Correctly rounded: the fast path is Clinger's (exact when the mantissa
// fits in 53 bits and the power of ten is at most 22); everything else goes
// to strconv.ParseFloat.
func parseNumber(b []byte) (float64, bool) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	n := len(b)
	if n == 0 {
		return 0, false
	}
	i := 0
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	intStart := i
	var mant uint64
	digits := 0 // significant digits accumulated into mant
	overflow := false
	for i < n && b[i] >= '0' && b[i] <= '9' {
		if digits < 19 {
			mant = mant*10 + uint64(b[i]-'0')
			if mant != 0 {
				digits++
			}
		} else {
			overflow = true
		}
		i++
	}
	intDigits := i - intStart
	if intDigits > 1 && b[intStart] == '0' {
		return 0, false // leading zero: a code, not a quantity
	}
	exp := 0
	if overflow {
		exp = intDigits - 19
	}
	fracDigits := 0
	if i < n && b[i] == '.' {
		i++
		for i < n && b[i] >= '0' && b[i] <= '9' {
			if digits < 19 {
				mant = mant*10 + uint64(b[i]-'0')
				if mant != 0 {
					digits++
				}
				exp--
			} else {
				overflow = true
			}
			fracDigits++
			i++
		}
	}
	if intDigits+fracDigits == 0 {
		return parseSpecial(b[intStart:], neg)
	}
	hasExp := false
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		hasExp = true
		i++
		eneg := false
		if i < n && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		if i >= n {
			return 0, false
		}
		e := 0
		for i < n && b[i] >= '0' && b[i] <= '9' {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
			i++
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != n {
		return 0, false
	}
	if fracDigits == 0 && !hasExp && (overflow || mant > 1<<53) {
		return 0, false // an integer float64 cannot hold exactly: keep as text
	}
	if !overflow && mant <= 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseSpecial reads "inf", "infinity" and "nan" in any case (the sign was
// consumed by the caller).
func parseSpecial(b []byte, neg bool) (float64, bool) {
	switch {
	case equalFoldASCII(b, "inf"), equalFoldASCII(b, "infinity"):
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case equalFoldASCII(b, "nan"):
		return math.NaN(), true
	}
	return 0, false
}

func equalFoldASCII(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}
