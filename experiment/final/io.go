package final

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/learners"
)

// Format names and versions the directory layout (final.json's "format"
// and "version").
const (
	FormatName    = "nightshift-final-model"
	FormatVersion = 1
)

// File names in a model directory.
const (
	ManifestFile = "final.json"
	SchemaFile   = "schema.json"
	PipelineFile = "pipeline.json"
)

// ErrFormat marks a model directory that cannot be read: a missing or
// damaged file, an unknown format or version.
var ErrFormat = errors.New("not a readable final model")

// manifest is final.json.
type manifest struct {
	Format  string           `json:"format"`
	Version int              `json:"version"`
	Members []manifestMember `json:"members"`
}

type manifestMember struct {
	Kind     string  `json:"kind"`
	Weight   float64 `json:"weight"`
	Trial    uint64  `json:"trial,omitempty"`
	Model    string  `json:"model"`              // path relative to the directory
	Pipeline string  `json:"pipeline,omitempty"` // path relative to the directory; empty: base columns
}

// Write writes the model into dir (created if absent), every file synced.
// It is not atomic on its own: write into a fresh directory and rename it
// into place (the registry does).
func (m *Model) Write(dir string) error {
	man := manifest{Format: FormatName, Version: FormatVersion}
	for i, mem := range m.Members {
		l, err := learners.Lookup(mem.Kind)
		if err != nil {
			return fmt.Errorf("member %d: %w", i+1, err)
		}
		sub := filepath.Join("members", fmt.Sprintf("%02d", i+1))
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
		mm := manifestMember{Kind: mem.Kind, Weight: mem.Weight, Trial: mem.Trial, Model: filepath.ToSlash(filepath.Join(sub, l.FileName()))}
		if err := writeSynced(filepath.Join(dir, mm.Model), func(w *bufio.Writer) error { return l.Save(w, mem.Model) }); err != nil {
			return fmt.Errorf("member %d: %w", i+1, err)
		}
		if mem.Pipeline != nil {
			mm.Pipeline = filepath.ToSlash(filepath.Join(sub, PipelineFile))
			if err := writeJSON(filepath.Join(dir, mm.Pipeline), mem.Pipeline); err != nil {
				return fmt.Errorf("member %d: %w", i+1, err)
			}
		}
		man.Members = append(man.Members, mm)
	}
	if err := writeJSON(filepath.Join(dir, SchemaFile), m.Schema); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, ManifestFile), man)
}

// Read reads a model directory Write wrote. Errors name the file at fault
// and wrap ErrFormat.
func Read(dir string) (*Model, error) {
	var man manifest
	if err := readJSON(filepath.Join(dir, ManifestFile), &man); err != nil {
		return nil, err
	}
	if man.Format != FormatName || man.Version != FormatVersion {
		return nil, fmt.Errorf("%s: format %q version %d, this build reads %q version %d: %w",
			filepath.Join(dir, ManifestFile), man.Format, man.Version, FormatName, FormatVersion, ErrFormat)
	}
	if len(man.Members) == 0 {
		return nil, fmt.Errorf("%s: no members: %w", filepath.Join(dir, ManifestFile), ErrFormat)
	}
	m := &Model{}
	if err := readJSON(filepath.Join(dir, SchemaFile), &m.Schema); err != nil {
		return nil, err
	}
	for i, mm := range man.Members {
		l, err := learners.Lookup(mm.Kind)
		if err != nil {
			return nil, fmt.Errorf("%s: member %d: %w: %w", filepath.Join(dir, ManifestFile), i+1, err, ErrFormat)
		}
		if !(mm.Weight > 0) || math.IsInf(mm.Weight, 0) {
			return nil, fmt.Errorf("%s: member %d: weight %v, want a finite number > 0: %w", filepath.Join(dir, ManifestFile), i+1, mm.Weight, ErrFormat)
		}
		mem := Member{Kind: mm.Kind, Weight: mm.Weight, Trial: mm.Trial}
		path, err := inside(dir, mm.Model)
		if err != nil {
			return nil, err
		}
		if mem.Model, err = loadModel(l, path); err != nil {
			return nil, err
		}
		if mm.Pipeline != "" {
			path, err := inside(dir, mm.Pipeline)
			if err != nil {
				return nil, err
			}
			mem.Pipeline = &dsl.Pipeline{}
			if err := readJSON(path, mem.Pipeline); err != nil {
				return nil, err
			}
		}
		m.Members = append(m.Members, mem)
	}
	return m, nil
}

// inside resolves a manifest path, refusing one that leaves dir.
func inside(dir, rel string) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("%s: member file %q is outside the model directory: %w", filepath.Join(dir, ManifestFile), rel, ErrFormat)
	}
	return p, nil
}

func loadModel(l trainer.Learner, path string) (trainer.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrFormat)
	}
	defer f.Close()
	m, err := l.Load(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, err, ErrFormat)
	}
	return m, nil
}

func writeJSON(path string, v any) error {
	return writeSynced(path, func(w *bufio.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(v)
	})
}

// writeSynced creates path, fills it and syncs it.
func writeSynced(path string, fill func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrFormat)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w: %w", path, err, ErrFormat)
	}
	return nil
}
