package trainer

import (
	"context"
	"io"
	"sync"
)

// Learner is one model kind: everything the rest of nightshift knows about
// it. Its implementations live in trainer/learners, one file per kind; a
// search space for it lives beside the planners (trainer knows no search
// spaces).
type Learner interface {
	// Kind is the model kind's name in trial specs and model files ("gbdt").
	Kind() string
	// CheckParams parses kv with the kind's own parser and returns its
	// error (naming the parameter and its valid range) or nil.
	CheckParams(kv map[string]string) error
	// Usable reports whether the design has columns this kind can train on
	// (dense features; sparse blocks only for kinds that read them).
	Usable(d *Dataset) bool
	// Fit trains a model on in.Train; in.Valid, when given, is what an
	// iterative kind early-stops on.
	Fit(ctx context.Context, in FitInput) (Fit, error)
	// FileName is the model file's name in a model directory
	// ("model.txt": LightGBM text; "model.json").
	FileName() string
	// Save writes a model Fit returned (or Load read) in the kind's format.
	Save(w io.Writer, m Model) error
	// Load reads a model Save wrote, for prediction.
	Load(r io.Reader) (Model, error)
}

// Iterative is implemented by learners whose size early stopping chooses
// (GBDT): Fit reports the best iteration, and a refit on all rows trains a
// fixed number of iterations instead.
type Iterative interface {
	// FixedIterations returns params that train exactly n iterations
	// without early stopping (n <= 0: the params' own count).
	FixedIterations(params map[string]string, n int) map[string]string
}

// FitInput is one fit's data and settings.
type FitInput struct {
	// Params are the kind's parameters as text (LightGBM names for gbdt).
	Params map[string]string
	// Seed and Threads are the run's: they override any in Params.
	// Threads 0 leaves the kind's default (all cores).
	Seed    uint64
	Threads int
	Train   Part
	Valid   *Part // nil: no validation rows (no early stopping)
}

// Part is a set of rows: Rows of Data (nil Rows: all of them), with
// Labels indexed like Data's rows (only Rows' labels are read). Rows must
// be increasing.
type Part struct {
	Data   *Dataset
	Labels []float64
	Rows   []int
	// Memo, when set, caches what a learner derives from Data as a whole
	// (the GBDT's bins), so that every fold and trial over the same design
	// derives it once. Give Train and Valid the same Memo only when they
	// share Data.
	Memo *Memo
}

// Fit is a trained model and what training learned about its size.
type Fit struct {
	Model Model
	// BestIteration is the 1-based iteration early stopping kept
	// (Iterative learners with validation rows), else 0.
	BestIteration int
	// PrepareSeconds is the part of the fit spent preparing the data
	// (binning, copying rows), for the journal's bin phase.
	PrepareSeconds float64
}

// Memo caches values derived from one design, by key, computing each once
// even under concurrent use. The zero value is ready to use.
type Memo struct {
	mu sync.Mutex
	m  map[any]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
	err  error
}

// Get returns the value cached under key, computing it with build on first
// use (concurrent callers wait for that one build). A build error is cached
// too.
func (c *Memo) Get(key any, build func() (any, error)) (any, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[any]*memoEntry{}
	}
	e, ok := c.m[key]
	if !ok {
		e = &memoEntry{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = build() })
	return e.v, e.err
}
