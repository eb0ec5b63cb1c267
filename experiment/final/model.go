// Package final is a study's final model in a form that stands alone: the
// members (each a fitted feature pipeline, or none for base columns, and a
// trained model) with their weights, and the input schema they need — the
// columns' kinds and category dictionaries — so that it predicts new rows
// without the study, its Search or its training data.
//
// On disk (Write, Read) a model is a directory:
//
//	final.json              format, version, members (kind, weight, trial, files)
//	schema.json             the input schema (features.Schema)
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
	Schema  features.Schema
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

// SchemaOf records fr's columns (the study's search part: every column but
// the target) as a final model's input schema (features.Schema: the kinds
// and dictionaries, the label's classes, the missing values, the hidden
// columns).
func SchemaOf(fr *features.Frame, target *features.Target, missing, hidden []string) features.Schema {
	s := features.SchemaOf(fr)
	s.Missing, s.Hidden = missing, hidden
	if target != nil {
		s.Target, s.Positive, s.Negative = target.Name, target.Positive, target.Negative
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
