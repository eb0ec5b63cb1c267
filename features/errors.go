package features

import (
	"errors"
	"fmt"
)

// Sentinel errors; check with errors.Is.
var (
	// ErrBadHeader marks a missing, empty or duplicate header name.
	ErrBadHeader = errors.New("bad header")
	// ErrRaggedRow marks a row whose field count differs from the header's.
	ErrRaggedRow = errors.New("wrong number of fields")
	// ErrQuote marks a malformed quoted field.
	ErrQuote = errors.New("malformed quoted field")
	// ErrUnknownColumn marks a column name that is not in the table.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrNoRows marks a table with a header but no data rows.
	ErrNoRows = errors.New("no data rows")
	// ErrTarget marks a target column that is not a usable binary label.
	ErrTarget = errors.New("unusable target")
)

// ParseError locates a problem in an input file. Line and Column are
// 1-based; Column counts bytes within the line (0 when unknown). Row is the
// 1-based row number for inputs without lines (Parquet), used when Line is
// 0. Field names the header field involved, when there is one.
type ParseError struct {
	File   string
	Line   int
	Row    int
	Column int
	Field  string
	Err    error
	Detail string
}

func (e *ParseError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(": line %d", e.Line)
	} else if e.Row > 0 {
		s += fmt.Sprintf(": row %d", e.Row)
	}
	if e.Column > 0 {
		s += fmt.Sprintf(", column %d", e.Column)
	}
	if e.Field != "" {
		s += fmt.Sprintf(" (field %q)", e.Field)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }

// ClipNames lists names for an error message: all of them when there are
// at most n, else the first n and how many more.
func ClipNames(names []string, n int) string {
	if len(names) <= n {
		return fmt.Sprint(names)
	}
	return fmt.Sprintf("%v … (%d more)", names[:n], len(names)-n)
}
