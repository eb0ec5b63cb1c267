package features

import (
	"fmt"
	"math"
)

// Kind is the type a column was loaded (or declared) as.
type Kind uint8

const (
	// Numeric columns hold float64 values; NaN marks a missing value.
	Numeric Kind = iota
	// Categorical columns are dictionary-encoded strings with a modest number of levels.
	Categorical
	// Text columns hold long free text, dictionary-encoded like categoricals
	// (duplicate texts share a level). Models see them only through transforms.
	Text
	// Identifier columns are (almost) unique per row. They are never model
	// features by default; they are reported and kept for output.
	Identifier
	// Datetime columns hold Unix seconds as float64 (UTC); NaN marks missing.
	Datetime
)

var kindNames = [...]string{"numeric", "categorical", "text", "identifier", "datetime"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown column kind %q (want numeric, categorical, text, identifier or datetime)", s)
}

// IsString reports whether the column stores dictionary codes (Codes/Levels)
// rather than numbers (Num).
func (k Kind) IsString() bool { return k == Categorical || k == Text || k == Identifier }

// Column is one typed column of a Frame.
//
// Numeric and Datetime columns use Num (len == rows, NaN = missing).
// Categorical, Text and Identifier columns use Codes (len == rows, -1 = missing)
// indexing into Levels; Counts[i] is the number of rows holding Levels[i].
// Levels are in order of first appearance, so codes are deterministic for a
// given file.
type Column struct {
	Name    string
	Kind    Kind
	Num     []float64
	Codes   []int32
	Levels  []string
	Counts  []int
	Missing int // number of missing rows
}

// Len is the number of rows in the column.
func (c *Column) Len() int {
	if c.Kind.IsString() {
		return len(c.Codes)
	}
	return len(c.Num)
}

// IsMissing reports whether row i is missing.
func (c *Column) IsMissing(i int) bool {
	if c.Kind.IsString() {
		return c.Codes[i] < 0
	}
	return math.IsNaN(c.Num[i])
}

// Str returns row i of a string column and whether it is present.
func (c *Column) Str(i int) (string, bool) {
	code := c.Codes[i]
	if code < 0 {
		return "", false
	}
	return c.Levels[code], true
}

// Take returns a new column holding rows idx, in that order. String columns
// keep the full dictionary (so codes agree between subsets); Counts and
// Missing are recomputed for the subset.
func (c *Column) Take(idx []int) *Column {
	out := &Column{Name: c.Name, Kind: c.Kind}
	if c.Kind.IsString() {
		out.Levels = c.Levels
		out.Codes = make([]int32, len(idx))
		out.Counts = make([]int, len(c.Levels))
		for j, i := range idx {
			code := c.Codes[i]
			out.Codes[j] = code
			if code < 0 {
				out.Missing++
			} else {
				out.Counts[code]++
			}
		}
		return out
	}
	out.Num = make([]float64, len(idx))
	for j, i := range idx {
		v := c.Num[i]
		out.Num[j] = v
		if math.IsNaN(v) {
			out.Missing++
		}
	}
	return out
}

// Frame is a typed, column-major table.
type Frame struct {
	Columns []*Column
	Rows    int
	// Source names the file the rows came from (for messages).
	Source string
	// Lines holds, for CSV input, the file line on which each row starts
	// (rows can span lines, and blank lines are skipped); nil for Parquet,
	// whose rows are located by their 1-based row number instead.
	Lines []int32
	// Warnings are what loading changed that a person should hear about
	// (values read as missing in a numeric column); commands print them.
	Warnings []Warning
}

// Warning is something loading did to a column that the user did not ask for.
type Warning struct {
	Column  string `json:"column"`
	Message string `json:"message"`
}

func (w Warning) String() string { return w.Message }

// ValueError locates err at row (an index into f's rows) of the named
// column: the file, and the line (CSV) or row number (Parquet) the value
// came from. Use it for any problem found in a value after loading.
func (f *Frame) ValueError(row int, column string, err error) error {
	pe := &ParseError{File: f.Source, Field: column, Err: err}
	switch {
	case row >= 0 && row < len(f.Lines):
		pe.Line = int(f.Lines[row])
	case row >= 0:
		pe.Row = row + 1
	}
	return pe
}

// Col returns the column called name, or nil.
func (f *Frame) Col(name string) *Column {
	for _, c := range f.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Index returns the position of the column called name, or -1.
func (f *Frame) Index(name string) int {
	for i, c := range f.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Names lists the column names in order.
func (f *Frame) Names() []string {
	out := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		out[i] = c.Name
	}
	return out
}

// Take returns the rows idx of every column, in that order.
func (f *Frame) Take(idx []int) *Frame {
	out := &Frame{Rows: len(idx), Columns: make([]*Column, len(f.Columns)), Source: f.Source, Warnings: f.Warnings}
	for i, c := range f.Columns {
		out.Columns[i] = c.Take(idx)
	}
	if f.Lines != nil {
		out.Lines = make([]int32, len(idx))
		for j, i := range idx {
			out.Lines[j] = f.Lines[i]
		}
	}
	return out
}

// Without returns a frame sharing f's columns minus those named.
func (f *Frame) Without(names ...string) *Frame {
	skip := make(map[string]bool, len(names))
	for _, n := range names {
		skip[n] = true
	}
	out := &Frame{Rows: f.Rows, Source: f.Source, Lines: f.Lines, Warnings: f.Warnings}
	for _, c := range f.Columns {
		if !skip[c.Name] {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}
