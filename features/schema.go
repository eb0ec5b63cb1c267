package features

import "fmt"

// ColumnSchema is one column's name and kind.
type ColumnSchema struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Schema lists a frame's columns and kinds, in order.
func (f *Frame) Schema() []ColumnSchema {
	out := make([]ColumnSchema, len(f.Columns))
	for i, c := range f.Columns {
		out[i] = ColumnSchema{Name: c.Name, Kind: c.Kind.String()}
	}
	return out
}

// ForceKinds returns opt with every column of schema forced to its kind, so
// that a second file (a validation set, new data to score) is read exactly
// as the first was, not re-inferred.
func ForceKinds(opt LoadOptions, schema []ColumnSchema) LoadOptions {
	opt.Categorical, opt.Text, opt.IDCols, opt.Numeric = nil, nil, nil, nil
	for _, c := range schema {
		if c.Name == opt.Target {
			continue
		}
		switch c.Kind {
		case Categorical.String():
			opt.Categorical = append(opt.Categorical, c.Name)
		case Text.String():
			opt.Text = append(opt.Text, c.Name)
		case Identifier.String():
			opt.IDCols = append(opt.IDCols, c.Name)
		case Numeric.String():
			opt.Numeric = append(opt.Numeric, c.Name)
		}
	}
	return opt
}

// AlignTo makes f's string columns use ref's dictionaries: every code of f
// is re-mapped to the code of the same text in ref; text unseen in ref
// becomes missing (-1), which is how models treat an unknown category. The
// columns of ref must all be present in f with the same kind.
func (f *Frame) AlignTo(ref *Frame) error {
	for _, rc := range ref.Columns {
		c := f.Col(rc.Name)
		if c == nil {
			return fmt.Errorf("column %q is missing%s: %w", rc.Name, suggest(rc.Name, f.Names()), ErrUnknownColumn)
		}
		if c.Kind != rc.Kind {
			return fmt.Errorf("column %q is %s here but %s in the training data", rc.Name, c.Kind, rc.Kind)
		}
		if !c.Kind.IsString() {
			continue
		}
		index := make(map[string]int32, len(rc.Levels))
		for i, s := range rc.Levels {
			index[s] = int32(i)
		}
		remap := make([]int32, len(c.Levels))
		for i, s := range c.Levels {
			if code, ok := index[s]; ok {
				remap[i] = code
			} else {
				remap[i] = -1
			}
		}
		counts := make([]int, len(rc.Levels))
		missing := 0
		for i, code := range c.Codes {
			if code >= 0 {
				code = remap[code]
				c.Codes[i] = code
			}
			if code < 0 {
				missing++
			} else {
				counts[code]++
			}
		}
		c.Levels, c.Counts, c.Missing = rc.Levels, counts, missing
	}
	return nil
}
