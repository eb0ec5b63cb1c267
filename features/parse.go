package features

import "time"

// ParseNumber reads s as LoadFile reads a field of a numeric column: it
// reports false for anything LoadFile would refuse in a column declared
// numeric (codes with a leading zero, integers beyond 2^53, hex, ...). Other
// packages use it to judge values by the loader's own rules (the data
// contract's type check) instead of a look-alike.
func ParseNumber(s string) (float64, bool) { return parseNumber([]byte(s)) }

// ParseDatetime reads s as LoadFile reads a datetime column's values
// (ISO 8601 layouts; values without a zone are UTC).
func ParseDatetime(s string) (time.Time, bool) { return parseDatetime(s) }
