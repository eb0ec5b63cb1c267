package contract

import (
	"context"
	"errors"
	"math"
	"strconv"

	"github.com/nightshift-ml/nightshift/features"
)

// Input is a data file read for a contract: for checking, and for scoring
// once it passes.
type Input struct {
	Path string
	// Frame holds every column of the file. The contract's columns have the
	// contract's kinds; a value that is not of its column's type (a word in
	// a numeric column) is missing here and listed by Check. Other columns
	// (the label, columns the contract does not know) are as inferred.
	Frame *features.Frame
	bad   map[string]*badValues
}

// badValues are the rows of one column whose text is not of its type.
type badValues struct {
	rows  []int
	texts []string // text of each row in rows
}

// Load reads path with the contract's column kinds forced and its missing
// markers. A column the contract declares numeric is read as numbers; when a
// field is not one (features.ParseNumber decides, as for training), the
// column is re-read as text, so that every such value is found with its line
// rather than failing the load or being read as missing. A clean file is
// read once. Errors are the file's own
// (unreadable, malformed CSV), never a contract violation.
func Load(ctx context.Context, c *Contract, path string) (*Input, error) {
	return LoadWith(ctx, c, path, features.LoadOptions{})
}

// LoadWith is Load with reading options for the file itself (Format,
// Delimiter; Missing when not nil replaces the contract's markers). Column
// kinds always come from the contract.
func LoadWith(ctx context.Context, c *Contract, path string, opt features.LoadOptions) (*Input, error) {
	base := features.LoadOptions{Format: opt.Format, Delimiter: opt.Delimiter, Missing: opt.Missing}
	if base.Missing == nil {
		base.Missing = c.Missing()
	}
	cols := c.Columns()
	present := cols
	fr, err := features.LoadFile(path, features.ForceKinds(base, cols))
	if err != nil && !recoverable(err, c) {
		return nil, err
	}
	// A numeric column of the contract holds text when the loader read a
	// few strings in it as missing (it warns) or, inferring, made it a
	// string column: such columns are read again as exact text.
	asText := map[string]bool{}
	for _, w := range warnings(fr) {
		asText[w.Column] = true
	}
	reread := err != nil
	if reread {
		if present, err = presentColumns(ctx, path, base, cols, asText); err != nil {
			return nil, err
		}
	}
	forced, someText := forceText(present, asText)
	if reread || someText {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if fr, err = features.LoadFile(path, features.ForceKinds(base, forced)); err != nil {
			return nil, err
		}
	}
	return newInput(path, fr, cols), nil
}

// presentColumns is for a file the contract's kinds could not load: a
// contract column is absent, or holds more text than the loader keeps as
// missing. It learns the header and each column's inferred kind, marks in
// asText the numeric columns that hold text, and returns the contract's
// columns that are present.
func presentColumns(ctx context.Context, path string, base features.LoadOptions, cols []features.ColumnSchema, asText map[string]bool) ([]features.ColumnSchema, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inferred, err := features.LoadFile(path, base)
	if err != nil {
		return nil, err
	}
	for _, w := range inferred.Warnings {
		asText[w.Column] = true
	}
	var present []features.ColumnSchema
	for _, cs := range cols {
		if ic := inferred.Col(cs.Name); ic != nil {
			if cs.Kind == features.Numeric.String() && ic.Kind != features.Numeric {
				asText[cs.Name] = true
			}
			present = append(present, cs)
		}
	}
	return present, nil
}

// forceText is the kinds to read present with: a numeric column that holds
// text is read as categorical (its exact text). someText says if any is.
func forceText(present []features.ColumnSchema, asText map[string]bool) (forced []features.ColumnSchema, someText bool) {
	forced = make([]features.ColumnSchema, len(present))
	for i, cs := range present {
		if cs.Kind == features.Numeric.String() && asText[cs.Name] {
			cs.Kind = features.Categorical.String()
			someText = true
		}
		forced[i] = cs
	}
	return forced, someText
}

// newInput gives each column of fr its contract kind; a column read as
// text for a numeric or datetime kind is converted, its values that are
// not of the kind kept as bad values.
func newInput(path string, fr *features.Frame, cols []features.ColumnSchema) *Input {
	in := &Input{Path: path, Frame: fr, bad: map[string]*badValues{}}
	for _, cs := range cols {
		col := fr.Col(cs.Name)
		if col == nil {
			continue
		}
		want, _ := features.ParseKind(cs.Kind)
		if col.Kind == want || want.IsString() && col.Kind.IsString() {
			col.Kind = want
			continue
		}
		switch want {
		case features.Numeric:
			in.bad[col.Name] = convert(col, features.Numeric, func(s string) (float64, bool) { return features.ParseNumber(s) })
		case features.Datetime:
			in.bad[col.Name] = convert(col, features.Datetime, func(s string) (float64, bool) {
				t, ok := features.ParseDatetime(s)
				return float64(t.UnixNano()) / 1e9, ok
			})
		}
	}
	return in
}

func warnings(fr *features.Frame) []features.Warning {
	if fr == nil {
		return nil
	}
	return fr.Warnings
}

// recoverable reports whether a failed forced load is one the fallback
// handles: a contract column missing from the header, or a field of a
// contract numeric column that is not a number.
func recoverable(err error, c *Contract) bool {
	if errors.Is(err, features.ErrUnknownColumn) {
		return true
	}
	var pe *features.ParseError
	if errors.As(err, &pe) && pe.Field != "" {
		if p := c.Property(pe.Field); p != nil {
			k, _ := p.kind()
			return k == features.Numeric
		}
	}
	return false
}

// convert turns a column read as text (or as numbers where dates were
// expected) into kind, parsing each distinct value once; values parse
// rejects become missing and are returned with their rows.
func convert(col *features.Column, kind features.Kind, parse func(string) (float64, bool)) *badValues {
	bad := &badValues{}
	num := make([]float64, col.Len())
	missing := 0
	if !col.Kind.IsString() { // numbers where dates were expected: every present value is wrong
		for i, x := range col.Num {
			num[i] = math.NaN()
			missing++
			if !math.IsNaN(x) {
				bad.rows = append(bad.rows, i)
				bad.texts = append(bad.texts, strconv.FormatFloat(x, 'g', -1, 64))
			}
		}
	} else {
		vals := make([]float64, len(col.Levels))
		ok := make([]bool, len(col.Levels))
		for i, s := range col.Levels {
			vals[i], ok[i] = parse(s)
		}
		for i, code := range col.Codes {
			switch {
			case code < 0:
				num[i] = math.NaN()
				missing++
			case ok[code]:
				num[i] = vals[code]
			default:
				num[i] = math.NaN()
				missing++
				bad.rows = append(bad.rows, i)
				bad.texts = append(bad.texts, col.Levels[code])
			}
		}
	}
	*col = features.Column{Name: col.Name, Kind: kind, Num: num, Missing: missing}
	return bad
}
