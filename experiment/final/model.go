// Package final is a study's final model in a form that stands alone: the
// members (each a fitted feature pipeline, or none for base columns, and a
// trained model) with their weights, and the input schema they need — the
// columns' kinds and category dictionaries — so that it predicts new rows
// without the study, its Search or its training data.
//
// On disk (Write, Read) a model is a directory:
//
//	final.json              format, version, members (kind, weight, trial, files)
//	schema.json             the input schema (Schema)
//	members/NN/model.txt    a GBDT member: LightGBM v3 text (loads in LightGBM and leaves)
//	members/NN/model.json   a logistic regression member
//	members/NN/pipeline.json the member's fitted feature pipeline, when it has one
//
// Predictions of a model read back equal those of the model written to
// 1e-12 (a GBDT member read back is scored by trainer/learners' compiled
// forest, equal to leaves bit for bit; pipelines and logistic regressions
// round-trip bit for bit).
package final

import (
	"context"
	"fmt"

	"github.com/nightshift-ml/nightshift/experiment/design"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
)

// Model is a final model: the members' probabilities averaged with their
// weights.
type Model struct {
	Schema  Schema
	Members []Member
}

// Member is one fitted model of a final model.
type Member struct {
	Kind   string  // model kind (trainer/learners)
	Weight float64 // share of the average; a model's weights sum to 1
	Trial  uint64  // the study trial it was fitted for (0: unknown)
	// Pipeline is the member's fitted feature pipeline; nil when the
	// member reads the base columns as they are.
	Pipeline *dsl.Pipeline
	Model    trainer.Model
}

// Schema is what a final model needs of its input: the study's columns
// (every column of the data but the target) with their kinds and, for
// string columns, the dictionary whose codes the models and pipelines were
// fitted on.
type Schema struct {
	Target   string `json:"target"`
	Positive string `json:"positive"` // the label value whose probability is predicted
	Negative string `json:"negative"`
	// Missing lists the field values read as missing (nil: the loader's
	// defaults).
	Missing []string `json:"missing,omitempty"`
	Columns []Column `json:"columns"`
	// Hidden columns are never raw features (leaks the profile flagged,
	// the time column); transforms may still read them.
	Hidden []string `json:"hidden,omitempty"`
}

// Column is one input column.
type Column struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // features.Kind's name: numeric, categorical, text, identifier, datetime
	// Levels is a categorical column's dictionary in code order: the codes
	// base-column members were trained on. (Pipelines map categories by
	// their text, and text and identifier columns are never raw features.)
	Levels []string `json:"levels,omitempty"`
}

// SchemaOf records fr's columns (the study's search part: every column but
// the target) as a Schema.
func SchemaOf(fr *features.Frame, target *features.Target, missing, hidden []string) Schema {
	s := Schema{Missing: missing, Hidden: hidden}
	if target != nil {
		s.Target, s.Positive, s.Negative = target.Name, target.Positive, target.Negative
	}
	for _, c := range fr.Columns {
		col := Column{Name: c.Name, Kind: c.Kind.String()}
		if c.Kind == features.Categorical {
			col.Levels = c.Levels
		}
		s.Columns = append(s.Columns, col)
	}
	return s
}

// Predict scores the rows of fr: each member's pipeline (or the base
// columns) and model, the probabilities averaged with the weights. fr's
// columns must follow the schema (Conform).
func (m *Model) Predict(ctx context.Context, fr *features.Frame) ([]float64, error) {
	var base *trainer.Dataset
	sum := make([]float64, fr.Rows)
	weights := 0.0
	for i, mem := range m.Members {
		d := base
		if mem.Pipeline != nil {
			out, err := mem.Pipeline.Apply(ctx, fr)
			if err != nil {
				return nil, fmt.Errorf("member %d: features: %w", i+1, err)
			}
			d = design.FromOutput(out)
		} else if base == nil {
			base, _ = design.FromFrame(fr.Without(m.Schema.Hidden...))
			d = base
		}
		p, err := mem.Model.PredictProba(d)
		if err != nil {
			// A row index is no use to whoever must fix the file: name
			// its line and column, as the loader does.
			err = design.LocateValueError(fr, nil, err, "this model's logistic regression cannot score it: cap or clear the value")
			return nil, fmt.Errorf("member %d: %w", i+1, err)
		}
		for r, v := range p {
			sum[r] += mem.Weight * v
		}
		weights += mem.Weight
	}
	if weights != 1 {
		for r := range sum {
			sum[r] /= weights
		}
	}
	return sum, nil
}
