package dsl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a spec's source text.
type Pos struct {
	Offset int // byte offset, 0-based
	Line   int // 1-based
	Column int // 1-based, in characters (runes)
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// posAt converts a byte offset into a Pos.
func posAt(src string, off int) Pos {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return Pos{Offset: off, Line: line, Column: utf8.RuneCountInString(src[start:off]) + 1}
}

// Error is a problem found in a spec: a syntax error from Parse or a
// semantic one from Check (unknown column, wrong kind, bad argument, leak,
// over-large cost). Pos is where it is; Hint, when not empty, says what to
// write instead.
type Error struct {
	Pos  Pos
	Msg  string
	Hint string
	Err  error // wrapped cause (ErrSyntax, ErrUnknownColumn, ...)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "features spec %s: %s", e.Pos, e.Msg)
	if e.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinel causes; test with errors.Is.
var (
	ErrSyntax        = errors.New("syntax error")
	ErrUnknownColumn = errors.New("unknown column")
	ErrUnknownOp     = errors.New("unknown op")
	ErrType          = errors.New("wrong type")
	ErrArgument      = errors.New("bad argument")
	ErrLeak          = errors.New("leakage")
	ErrCost          = errors.New("over cost limit")
	ErrFormat        = errors.New("bad pipeline format")
)

// ErrorList is every error Check found, in source order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	if len(l) == 1 {
		return l[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors in features spec:", len(l))
	for _, e := range l {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes each error to errors.Is/As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// didYouMean returns the candidate closest to name by edit distance when it
// is close enough to be a plausible typo, else "".
func didYouMean(name string, candidates []string) string {
	best, bestD := "", 1<<30
	ln := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(ln, strings.ToLower(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := 1 + utf8.RuneCountInString(name)/3
	if limit > 3 {
		limit = 3
	}
	if best == "" || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
