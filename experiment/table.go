package experiment

import (
	"fmt"
	"time"

	"github.com/nightshift-ml/nightshift/features"
)

// TableSpec says how to read a user's table.
type TableSpec struct {
	Path     string
	Target   string
	Positive string
	Load     features.LoadOptions
}

// Table is a loaded table split into its features and its label.
type Table struct {
	Path        string
	Frame       *features.Frame // every column but the target
	Target      *features.Target
	LoadSeconds float64
}

// LoadTable reads spec.Path and its binary label.
func LoadTable(spec TableSpec) (*Table, error) {
	opt := spec.Load
	opt.Target = spec.Target
	start := time.Now()
	fr, err := features.LoadFile(spec.Path, opt)
	if err != nil {
		return nil, err
	}
	t, err := features.ParseTarget(fr, spec.Target, spec.Positive)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Path, err)
	}
	return &Table{Path: spec.Path, Frame: fr.Without(spec.Target), Target: t, LoadSeconds: time.Since(start).Seconds()}, nil
}

// Profile profiles the table's features against its label.
func (t *Table) Profile(seed uint64) *features.Profile {
	p := features.ProfileFrame(t.Frame, t.Target, seed)
	p.File = t.Path
	return p
}
