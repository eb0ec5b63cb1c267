package features

import (
	"encoding/json"
	"fmt"
)

// Schema is how a table was read: every column's kind and a categorical
// column's dictionary in code order, and for a model's input the label
// and the values read as missing. One type serves a study, which journals
// the kinds its table was created with (so resume, holdout and promote
// read the file the same way after the inference rules change), and a
// promoted model, whose schema.json is all it needs to read new data.
type Schema struct {
	// Target, Positive and Negative: the label column and its classes (a
	// model's input; empty in a study's schema, whose config has them).
	Target   string `json:"target,omitempty"`
	Positive string `json:"positive,omitempty"` // the label value whose probability is predicted
	Negative string `json:"negative,omitempty"`
	// Missing lists the field values read as missing (nil: the loader's
	// defaults).
	Missing []string       `json:"missing,omitempty"`
	Columns []ColumnSchema `json:"columns"`
	// Hidden columns are never raw features (leaks the profile flagged,
	// the time column); transforms may still read them.
	Hidden []string `json:"hidden,omitempty"`
}

// ColumnSchema is one column's name and kind and, for a categorical
// column in a Schema, its dictionary.
type ColumnSchema struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // Kind's name: numeric, categorical, text, identifier, datetime
	// Levels is a categorical column's dictionary in code order: the codes
	// a study's trials and a model's base-column members were fitted on.
	// (Text and identifier columns keep whatever values they have.)
	Levels []string `json:"levels,omitempty"`
}

// UnmarshalJSON reads a column as written today ("levels") and as studies
// journaled it before Schema served both ("categories").
func (c *ColumnSchema) UnmarshalJSON(b []byte) error {
	type plain ColumnSchema
	var v struct {
		plain
		Categories []string `json:"categories"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = ColumnSchema(v.plain)
	if c.Levels == nil {
		c.Levels = v.Categories
	}
	return nil
}

// SchemaOf records how fr was read: its columns in order, kinds, and a
// copy of every categorical column's dictionary.
func SchemaOf(fr *Frame) Schema {
	var s Schema
	for _, c := range fr.Columns {
		col := ColumnSchema{Name: c.Name, Kind: c.Kind.String()}
		if c.Kind == Categorical {
			col.Levels = append([]string{}, c.Levels...)
		}
		s.Columns = append(s.Columns, col)
	}
	return s
}

// LoadOptions read a file as the schema's table was read: every column
// forced to its kind (datetime columns are inferred, as they were), the
// schema's missing values, the target kept as text when present.
func (s *Schema) LoadOptions() LoadOptions {
	return ForceKinds(LoadOptions{Target: s.Target, Missing: s.Missing}, s.Columns)
}

// Dictionaries is a frame of the schema's categorical columns with their
// levels and no rows: the reference AlignTo re-codes a fresh read to.
func (s *Schema) Dictionaries() *Frame {
	ref := &Frame{}
	for _, c := range s.Columns {
		if c.Kind == Categorical.String() {
			ref.Columns = append(ref.Columns, &Column{Name: c.Name, Kind: Categorical, Levels: c.Levels})
		}
	}
	return ref
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
