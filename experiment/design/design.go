// Package design turns a frame, or a feature pipeline's output, into the
// numeric design a learner trains on and predicts from. The study, the
// final model and prediction all go through it, so a column reaches a
// model the same way in each.
package design

import (
	"errors"
	"fmt"
	"math"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/linear"
)

// FromFrame turns the usable columns of fr into a trainer.Dataset:
// numeric and datetime columns as numbers, categorical columns as integer
// codes (their dictionary order, so codes agree between any frames that
// share the dictionary). Text and identifier columns, the target and the
// names in skip are left out; they are returned in skipped with the reason,
// for the user to see.
func FromFrame(fr *features.Frame, skip ...string) (*trainer.Dataset, []features.UnusedColumn) {
	drop := map[string]bool{}
	for _, s := range skip {
		drop[s] = true
	}
	d := &trainer.Dataset{Rows: fr.Rows}
	var skipped []features.UnusedColumn
	for _, c := range fr.Columns {
		if drop[c.Name] {
			continue
		}
		switch c.Kind {
		case features.Numeric, features.Datetime:
			d.Features = append(d.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		case features.Categorical:
			v := make([]float64, len(c.Codes))
			for i, code := range c.Codes {
				if code < 0 {
					v[i] = math.NaN()
				} else {
					v[i] = float64(code)
				}
			}
			d.Features = append(d.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: v})
		case features.Text:
			skipped = append(skipped, features.UnusedColumn{Name: c.Name, Reason: "free text: not a feature until a text transform uses it (--features)"})
		case features.Identifier:
			skipped = append(skipped, features.UnusedColumn{Name: c.Name, Reason: "identifier: unique per row, excluded (use --categorical to override)"})
		default:
			skipped = append(skipped, features.UnusedColumn{Name: c.Name, Reason: fmt.Sprintf("kind %s not usable", c.Kind)})
		}
	}
	return d, skipped
}

// FromOutput converts a feature pipeline's output into the design a
// learner trains on (see dsl.Output for the field-by-field mapping).
func FromOutput(o *dsl.Output) *trainer.Dataset {
	d := &trainer.Dataset{Rows: o.Rows}
	for _, c := range o.Columns {
		if c.Kind == features.Categorical {
			d.Features = append(d.Features, trainer.Feature{Name: c.Name, Categorical: true, NumCategories: len(c.Levels), Values: dsl.CodesAsFloat(c)})
		} else {
			d.Features = append(d.Features, trainer.Feature{Name: c.Name, Values: c.Num})
		}
	}
	for _, sp := range o.Sparse {
		d.Sparse = append(d.Sparse, trainer.SparseBlock{Name: sp.Name, Width: sp.Width, RowPtr: sp.RowPtr, Index: sp.Index, Value: sp.Value})
	}
	return d
}

// LocateValueError turns logistic regression's complaint about one value
// (linear.ValueError: a design row and feature) into an error naming the
// file, line and column it came from, with advice on what to do; any other
// error is returned as it is. The design's row i is fr's row rows[i] (fr's
// row i when rows is nil), so fr must be the frame the design was built
// from, keeping its rows' file lines (Frame.Take does).
func LocateValueError(fr *features.Frame, rows []int, err error, advice string) error {
	var ve *linear.ValueError
	if !errors.As(err, &ve) {
		return err
	}
	row := ve.Row
	if rows != nil && row < len(rows) {
		row = rows[row]
	}
	return fr.ValueError(row, ve.Feature, fmt.Errorf("%v is not a value logistic regression can use (%s): %w", ve.Value, advice, linear.ErrData))
}
