package experiment

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// A study's schema (features.Schema, journaled as the study's Schema) is
// how it reads its table, fixed when the study is created: every column's
// kind and a categorical column's categories in code order, as they were
// loaded then. Resume, holdout (and promote, the report) read the file
// through it, so a study keeps its kinds and codes even when nightshift's
// inference rules change; a column the file no longer has, or can no longer
// be read as its kind, is an error naming it.

// schemaOf is the schema a new study journals: how its table was read.
func schemaOf(fr *features.Frame) features.Schema { return features.SchemaOf(fr) }

// loadWithSchema reads spec's file with every column forced to its stored
// kind, then gives categorical columns the stored codes (a category the
// study did not see at creation becomes missing, as for any new data).
func loadWithSchema(s features.Schema, spec TableSpec, study string) (*Table, error) {
	forced := spec
	forced.Load = features.ForceKinds(spec.Load, s.Columns)
	tab, err := LoadTable(forced)
	if errors.Is(err, features.ErrUnknownColumn) {
		// A stored column is not in the header; the loader's message
		// would blame a --categorical the user never gave. Read the file
		// as it is, only to name the columns it lacks.
		if plain, perr := LoadTable(spec); perr == nil {
			tab, err = plain, nil
		}
	}
	if err != nil {
		return nil, err
	}
	for _, c := range s.Columns {
		got := tab.Frame.Col(c.Name)
		if got == nil {
			return nil, fmt.Errorf("%s: column %q of study %q is not in the file any more", spec.Path, c.Name, study)
		}
		if got.Kind.String() != c.Kind {
			return nil, fmt.Errorf("%s: column %q reads as %s, but study %q was created with it as %s (a study's kinds are fixed at creation)", spec.Path, c.Name, got.Kind, study, c.Kind)
		}
	}
	if err := tab.Frame.AlignTo(s.Dictionaries()); err != nil {
		return nil, fmt.Errorf("%s: study %q: %w", spec.Path, study, err)
	}
	return tab, nil
}

// LoadStudyTable reads a study's data file as the study was created
// reading it (its features.Schema). A study created before its schema was stored
// has it derived from this read and, when j is writable, stored, so that
// from then on it stays fixed.
func LoadStudyTable(j *journal.Journal, st journal.Study, cfg StudyConfig) (*Table, error) {
	spec := TableSpec{Path: cfg.Data, Target: cfg.Target, Positive: cfg.Positive, Load: cfg.Load}
	if len(st.Schema) > 0 {
		var s features.Schema
		if err := json.Unmarshal(st.Schema, &s); err != nil {
			return nil, fmt.Errorf("study %q: stored schema unreadable: %w", st.Name, err)
		}
		return loadWithSchema(s, spec, st.Name)
	}
	tab, err := LoadTable(spec)
	if err != nil {
		return nil, err
	}
	if !j.ReadOnly() {
		raw, err := json.Marshal(features.SchemaOf(tab.Frame))
		if err != nil {
			return nil, err
		}
		if err := j.SetSchema(st.Name, raw); err != nil {
			return nil, err
		}
	}
	return tab, nil
}
