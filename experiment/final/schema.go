package final

import (
	"fmt"
	"slices"

	"github.com/nightshift-ml/nightshift/features"
)

// Needed lists the schema columns the model reads: with a base-column
// member every numeric, categorical and datetime column that is not
// hidden; with a pipeline the columns it passes through or reads.
func (m *Model) Needed() []string {
	need := map[string]bool{}
	for _, mem := range m.Members {
		if mem.Pipeline == nil {
			for _, c := range m.Schema.Columns {
				usable := c.Kind == features.Numeric.String() || c.Kind == features.Categorical.String() || c.Kind == features.Datetime.String()
				if usable && !slices.Contains(m.Schema.Hidden, c.Name) {
					need[c.Name] = true
				}
			}
			continue
		}
		plan := mem.Pipeline.Plan()
		for _, n := range plan.Reads {
			need[n] = true
		}
		for _, n := range plan.PassThrough {
			need[n] = true
		}
	}
	var out []string
	for _, c := range m.Schema.Columns {
		if need[c.Name] {
			out = append(out, c.Name)
		}
	}
	return out
}

// Conform returns fr's columns as the model reads them: the schema's
// columns in schema order, categorical columns re-coded to the schema's
// dictionaries (a value the dictionary lacks becomes missing, as an unseen
// category is). A column the model needs that is absent or of another kind
// is an error naming it; columns outside the schema (the target, ids) are
// left out. fr's categorical columns are re-coded in place.
func (m *Model) Conform(fr *features.Frame) (*features.Frame, error) {
	needed := map[string]bool{}
	for _, n := range m.Needed() {
		needed[n] = true
	}
	out := &features.Frame{Rows: fr.Rows, Source: fr.Source, Lines: fr.Lines}
	ref := &features.Frame{}
	for _, sc := range m.Schema.Columns {
		c := fr.Col(sc.Name)
		kind, err := features.ParseKind(sc.Kind)
		if err != nil {
			return nil, fmt.Errorf("schema column %q: %w", sc.Name, err)
		}
		switch {
		case c == nil && needed[sc.Name]:
			return nil, fmt.Errorf("column %q is missing; the model reads it (%s): %w", sc.Name, sc.Kind, features.ErrUnknownColumn)
		case c == nil:
			continue
		case c.Kind != kind && needed[sc.Name]:
			return nil, fmt.Errorf("column %q is %s here but %s in the training data", sc.Name, c.Kind, kind)
		case c.Kind != kind:
			continue
		}
		if kind == features.Categorical {
			ref.Columns = append(ref.Columns, &features.Column{Name: sc.Name, Kind: kind, Levels: sc.Levels})
		}
		out.Columns = append(out.Columns, c)
	}
	if err := out.AlignTo(ref); err != nil {
		return nil, err
	}
	return out, nil
}
