package learners

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/linear"
)

// logregLearner is logistic regression (trainer/linear). Models are JSON.
// It has no seed (the solver is deterministic) and no validation use.
type logregLearner struct{}

func (logregLearner) Kind() string { return Logreg }

func (logregLearner) CheckParams(kv map[string]string) error {
	_, err := linear.ParseParams(kv)
	return err
}

// Usable: dense features or sparse blocks.
func (logregLearner) Usable(d *trainer.Dataset) bool { return len(d.Features) > 0 || len(d.Sparse) > 0 }

func (logregLearner) FileName() string { return "model.json" }

// Fit trains on in.Train's rows (a copy of them when Rows is set).
func (logregLearner) Fit(ctx context.Context, in trainer.FitInput) (trainer.Fit, error) {
	p, err := linear.ParseParams(in.Params)
	if err != nil {
		return trainer.Fit{}, err
	}
	start := time.Now()
	d, y := in.Train.Data, in.Train.Labels
	if in.Train.Rows != nil {
		d = d.Take(in.Train.Rows)
		y = make([]float64, len(in.Train.Rows))
		for k, i := range in.Train.Rows {
			y[k] = in.Train.Labels[i]
		}
	}
	prep := time.Since(start).Seconds()
	m, err := linear.Fit(ctx, d, y, p)
	if err != nil {
		return trainer.Fit{}, err
	}
	return trainer.Fit{Model: m, PrepareSeconds: prep}, nil
}

func (logregLearner) Save(w io.Writer, m trainer.Model) error {
	lm, ok := m.(*linear.Model)
	if !ok {
		return fmt.Errorf("logreg: cannot save a %T", m)
	}
	return lm.Save(w)
}

func (logregLearner) Load(r io.Reader) (trainer.Model, error) { return linear.Load(r) }
