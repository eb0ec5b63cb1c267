package linear

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/nightshift-ml/nightshift/trainer"
)

// FormatName and FormatVersion identify the model JSON; Load refuses others.
const (
	FormatName    = "nightshift-logreg"
	FormatVersion = 1
)

// Model satisfies trainer.Model, the interface every learner returns.
var _ trainer.Model = (*Model)(nil)

// Model is a fitted logistic regression with its preprocessing. Coefficients
// apply to standardised inputs: a numeric term contributes
// Coef·(x − Mean)/Scale. All fields are exported so the JSON is the model.
type Model struct {
	Format      string            `json:"format"`
	Version     int               `json:"version"`
	Params      Params            `json:"params"`
	Intercept   float64           `json:"intercept"`
	Numeric     []NumericTerm     `json:"numeric"`
	Categorical []CategoricalTerm `json:"categorical"`
	Sparse      []SparseTerm      `json:"sparse"`
	Fit         FitInfo           `json:"fit"`
}

// NumericTerm is one numeric feature: standardised value, and a standardised
// missing indicator when the training rows had missing values.
type NumericTerm struct {
	Name    string      `json:"name"`
	Mean    float64     `json:"mean"`  // of the observed training values; imputes missing ones
	Scale   float64     `json:"scale"` // population std of the imputed column (1 if constant)
	Coef    float64     `json:"coef"`
	Missing *ScaledTerm `json:"missing,omitempty"`
}

// ScaledTerm is a derived 0/1 column standardised like a numeric one.
type ScaledTerm struct {
	Mean  float64 `json:"mean"`
	Scale float64 `json:"scale"`
	Coef  float64 `json:"coef"`
}

// CategoricalTerm is one categorical feature's one-hot columns.
type CategoricalTerm struct {
	Name   string      `json:"name"`
	Levels []LevelTerm `json:"levels"`          // most frequent first
	Other  *PooledTerm `json:"other,omitempty"` // levels without a column of their own
	// Missing is the column for a missing code, present when training had one.
	Missing *PooledTerm `json:"missing,omitempty"`
}

// LevelTerm is the coefficient of one category code.
type LevelTerm struct {
	Code  int64   `json:"code"`
	Count int     `json:"count"` // training rows
	Coef  float64 `json:"coef"`
}

// PooledTerm is the coefficient of a pooled column ("other" or "missing").
type PooledTerm struct {
	Levels int     `json:"levels,omitempty"` // distinct training levels pooled ("other" only)
	Count  int     `json:"count"`
	Coef   float64 `json:"coef"`
}

// SparseTerm holds the coefficients of one sparse block, used unscaled.
type SparseTerm struct {
	Name  string    `json:"name"`
	Width int       `json:"width"`
	Coef  []float64 `json:"coef"`
}

// FitInfo records how the solver ended.
type FitInfo struct {
	Solver     string  `json:"solver"` // "lbfgs" or "newton-cd"
	Iterations int     `json:"iterations"`
	Converged  bool    `json:"converged"`
	Gradient   float64 `json:"gradient"`  // final max |(sub)gradient| / (C·Σ s_i)
	Objective  float64 `json:"objective"` // final objective / (C·Σ s_i)
	Rows       int     `json:"rows"`
	Positives  int     `json:"positives"`
	Columns    int     `json:"columns"` // design columns, intercept excluded
	NonZero    int     `json:"nonzero"` // non-zero coefficients, intercept excluded
}

// Coefficients returns the coefficient vector in design-column order
// (numeric value then its indicator, per feature in order; then each
// categorical's levels, other, missing; then sparse blocks), intercept apart.
func (m *Model) Coefficients() []float64 {
	var w []float64
	for _, t := range m.Numeric {
		w = append(w, t.Coef)
		if t.Missing != nil {
			w = append(w, t.Missing.Coef)
		}
	}
	for _, t := range m.Categorical {
		for _, l := range t.Levels {
			w = append(w, l.Coef)
		}
		if t.Other != nil {
			w = append(w, t.Other.Coef)
		}
		if t.Missing != nil {
			w = append(w, t.Missing.Coef)
		}
	}
	for _, s := range m.Sparse {
		w = append(w, s.Coef...)
	}
	return w
}

// setCoefficients is the inverse of Coefficients.
func (m *Model) setCoefficients(w []float64) {
	k := 0
	next := func() float64 { k++; return w[k-1] }
	for i := range m.Numeric {
		t := &m.Numeric[i]
		t.Coef = next()
		if t.Missing != nil {
			t.Missing.Coef = next()
		}
	}
	for i := range m.Categorical {
		t := &m.Categorical[i]
		for j := range t.Levels {
			t.Levels[j].Coef = next()
		}
		if t.Other != nil {
			t.Other.Coef = next()
		}
		if t.Missing != nil {
			t.Missing.Coef = next()
		}
	}
	for i := range m.Sparse {
		s := &m.Sparse[i]
		for j := range s.Coef {
			s.Coef[j] = next()
		}
	}
}

// DecisionFunction returns b + x·w for every row of d (the log-odds).
// Features are matched by name; d may hold others, which are ignored.
func (m *Model) DecisionFunction(d *trainer.Dataset) ([]float64, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrData, err)
	}
	byName := make(map[string]*trainer.Feature, len(d.Features))
	for i := range d.Features {
		byName[d.Features[i].Name] = &d.Features[i]
	}
	z := make([]float64, d.Rows)
	for i := range z {
		z[i] = m.Intercept
	}
	for _, t := range m.Numeric {
		f := byName[t.Name]
		if f == nil || f.Categorical {
			return nil, fmt.Errorf("%w: the model needs numeric feature %q, which the data lacks", ErrData, t.Name)
		}
		for i, x := range f.Values {
			if math.IsInf(x, 0) {
				return nil, &ValueError{Feature: t.Name, Row: i, Value: x} // as Fit: no score, not NaN
			}
			if math.IsNaN(x) {
				x = t.Mean
				if t.Missing != nil {
					z[i] += t.Missing.Coef * (1 - t.Missing.Mean) / t.Missing.Scale
				}
			} else if t.Missing != nil {
				z[i] += t.Missing.Coef * (0 - t.Missing.Mean) / t.Missing.Scale
			}
			z[i] += t.Coef * (x - t.Mean) / t.Scale
		}
	}
	for _, t := range m.Categorical {
		f := byName[t.Name]
		if f == nil || !f.Categorical {
			return nil, fmt.Errorf("%w: the model needs categorical feature %q, which the data lacks", ErrData, t.Name)
		}
		coef := make(map[int64]float64, len(t.Levels))
		for _, l := range t.Levels {
			coef[l.Code] = l.Coef
		}
		var other, missing float64
		if t.Other != nil {
			other = t.Other.Coef
		}
		if t.Missing != nil {
			missing = t.Missing.Coef
		}
		for i, x := range f.Values {
			switch c, ok := coef[int64(x)]; {
			case math.IsNaN(x):
				z[i] += missing
			case ok:
				z[i] += c
			default:
				z[i] += other
			}
		}
	}
	for _, t := range m.Sparse {
		var b *trainer.SparseBlock
		for j := range d.Sparse {
			if d.Sparse[j].Name == t.Name {
				b = &d.Sparse[j]
			}
		}
		if b == nil || b.Width != t.Width {
			return nil, fmt.Errorf("%w: the model needs sparse block %q of width %d, which the data lacks", ErrData, t.Name, t.Width)
		}
		for i := range d.Rows {
			for k := b.RowPtr[i]; k < b.RowPtr[i+1]; k++ {
				z[i] += t.Coef[b.Index[k]] * b.Value[k]
			}
		}
	}
	return z, nil
}

// PredictProba returns the positive class's probability for every row of d.
func (m *Model) PredictProba(d *trainer.Dataset) ([]float64, error) {
	z, err := m.DecisionFunction(d)
	if err != nil {
		return nil, err
	}
	for i, v := range z {
		z[i] = sigmoid(v)
	}
	return z, nil
}

// sigmoid is 1/(1+e^−z), written to avoid overflow for large |z|.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Save writes the model as indented JSON.
func (m *Model) Save(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(m)
}

// Load reads a model written by Save and checks it: format and version,
// finite numbers, positive scales, coefficient counts, unique names and codes.
func Load(r io.Reader) (*Model, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Model) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrModel}, a...)...)
	}
	if m.Format != FormatName {
		return bad("format %q, want %q", m.Format, FormatName)
	}
	if m.Version != FormatVersion {
		return bad("version %d, this build reads version %d", m.Version, FormatVersion)
	}
	if err := m.Params.Validate(); err != nil {
		return bad("params: %v", err)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(m.Intercept) {
		return bad("intercept %v is not finite", m.Intercept)
	}
	names := map[string]bool{}
	seen := func(name, what string) error {
		if name == "" {
			return bad("%s with an empty name", what)
		}
		if names[name] {
			return bad("feature %q appears twice", name)
		}
		names[name] = true
		return nil
	}
	scaled := func(name, field string, mean, scale, coef float64) error {
		if !finite(mean) || !finite(coef) || !(scale > 0) || !finite(scale) {
			return bad("numeric feature %q %s: mean %v, scale %v, coef %v (want finite, scale > 0)", name, field, mean, scale, coef)
		}
		return nil
	}
	for _, t := range m.Numeric {
		if err := seen(t.Name, "numeric feature"); err != nil {
			return err
		}
		if err := scaled(t.Name, "value", t.Mean, t.Scale, t.Coef); err != nil {
			return err
		}
		if t.Missing != nil {
			if err := scaled(t.Name, "missing indicator", t.Missing.Mean, t.Missing.Scale, t.Missing.Coef); err != nil {
				return err
			}
		}
	}
	for _, t := range m.Categorical {
		if err := seen(t.Name, "categorical feature"); err != nil {
			return err
		}
		codes := map[int64]bool{}
		for _, l := range t.Levels {
			if l.Code < 0 || codes[l.Code] || !finite(l.Coef) {
				return bad("categorical feature %q level %d: duplicate, negative or non-finite coef %v", t.Name, l.Code, l.Coef)
			}
			codes[l.Code] = true
		}
		for _, p := range []*PooledTerm{t.Other, t.Missing} {
			if p != nil && !finite(p.Coef) {
				return bad("categorical feature %q: pooled coef %v is not finite", t.Name, p.Coef)
			}
		}
	}
	for _, s := range m.Sparse {
		if err := seen(s.Name, "sparse block"); err != nil {
			return err
		}
		if s.Width < 0 || len(s.Coef) != s.Width {
			return bad("sparse block %q: width %d but %d coefficients", s.Name, s.Width, len(s.Coef))
		}
		for j, c := range s.Coef {
			if !finite(c) {
				return bad("sparse block %q coefficient %d is %v", s.Name, j, c)
			}
		}
	}
	return nil
}
