package dsl

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"

	"golang.org/x/sync/errgroup"

	"github.com/nightshift-ml/nightshift/features"
)

// FitOptions control fitting. The zero value is usable.
type FitOptions struct {
	// Folds is K for the out-of-fold encodings of target_mean on the
	// training rows (default 5; at least 2).
	Folds int
	// Seed draws the random fold assignment.
	Seed uint64
	// TimeCol, when set, makes the out-of-fold assignment time-blocked:
	// rows sorted by this column are cut into Folds contiguous blocks
	// instead of being assigned at random. It must be a numeric or datetime
	// column of the frame.
	TimeCol string
	// Target and Leaks are as in CheckOptions.
	Target string
	Leaks  []string
	Limits Limits
	// Threads evaluates up to this many items at once (default GOMAXPROCS).
	Threads int
}

// Pipeline is a fitted feature spec: the spec, the base columns it was
// fitted against, and every op's fitted state (bin edges, category maps,
// target-mean tables, group tables and histories). Apply it to any rows;
// serialise it with encoding/json (MarshalJSON / UnmarshalJSON).
//
// A Pipeline is safe for concurrent Apply calls; fitting mutates it and
// happens only inside Fit.
type Pipeline struct {
	spec    *Spec
	base    []colInfo
	target  string
	leaks   []string
	folds   int
	seed    uint64
	timeCol string
	items   []*outItem
	plan    Plan
	threads int
}

// Output is the result of a pipeline on some rows: dense columns and sparse
// blocks, in the pipeline's output order (Plan.Outputs; sparse items are in
// Sparse, in the same relative order).
//
// Columns are either features.Numeric (Num, NaN = missing) or
// features.Categorical (Codes into Levels, -1 = missing, Counts filled);
// categorical codes index the dictionary fitted on the training rows, so
// they agree between train, validation and prediction outputs.
//
// Conversion to trainer.Dataset is field by field: a numeric column becomes
// Feature{Name, Values: Num}; a categorical one becomes Feature{Name,
// Categorical: true, NumCategories: len(Levels), Values: CodesAsFloat(col)};
// each Sparse becomes SparseBlock{Name, Width, RowPtr, Index, Value}.
//
// Columns may share their backing arrays with the input frame (numeric
// pass-through): treat both as read-only.
type Output struct {
	Rows    int
	Columns []*features.Column
	Sparse  []*Sparse
}

// Col returns the output column called name, or nil.
func (o *Output) Col(name string) *features.Column {
	for _, c := range o.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// CodesAsFloat returns a categorical column's codes as float64, NaN for
// missing: the encoding trainer.Feature expects.
func CodesAsFloat(c *features.Column) []float64 {
	out := make([]float64, len(c.Codes))
	for i, code := range c.Codes {
		if code < 0 {
			out[i] = math.NaN()
		} else {
			out[i] = float64(code)
		}
	}
	return out
}

// Fit checks spec against the training frame, fits every op on its rows
// and returns the fitted pipeline with the training rows' output. In that
// output target_mean is out-of-fold and static group aggregates leave each
// row out of its own group; everything else equals what Apply(frame)
// returns, except point-in-time aggregates (Apply treats its rows as new
// events after the training history, so applying a pipeline to its own
// training rows counts each training row twice). Use this output for the
// training rows.
//
// frame must hold the training rows only; y holds their labels (0 or 1),
// and may be nil when the spec has no target_mean.
func Fit(ctx context.Context, spec *Spec, frame *features.Frame, y []float64, opt FitOptions) (*Pipeline, *Output, error) {
	if opt.Folds == 0 {
		opt.Folds = 5
	}
	if opt.Folds < 2 {
		return nil, nil, fmt.Errorf("features fit: FitOptions.Folds = %d, want at least 2", opt.Folds)
	}
	c, err := compile(spec, schemaOf(frame), CheckOptions{Target: opt.Target, Leaks: opt.Leaks, Limits: opt.Limits}, frame)
	if err != nil {
		return nil, nil, err
	}
	p := &Pipeline{spec: spec, base: schemaOf(frame), target: opt.Target, leaks: append([]string(nil), opt.Leaks...), folds: opt.Folds, seed: opt.Seed, timeCol: opt.TimeCol, items: c.items, plan: c.plan, threads: opt.Threads}
	ec := &evalCtx{ctx: ctx, frame: frame, rows: frame.Rows, fit: true, nfolds: opt.Folds}
	if opt.TimeCol != "" {
		if tc := frame.Col(opt.TimeCol); tc == nil || tc.Kind != features.Numeric && tc.Kind != features.Datetime {
			return nil, nil, fmt.Errorf("features fit: FitOptions.TimeCol %q must be a numeric or datetime column of the frame", opt.TimeCol)
		}
	}
	if p.needsLabels() {
		if err := checkLabels(y, frame.Rows); err != nil {
			return nil, nil, err
		}
		ec.y = y
		if ec.folds, err = assignFolds(frame, opt); err != nil {
			return nil, nil, err
		}
	}
	out, err := p.run(ec)
	if err != nil {
		return nil, nil, err
	}
	return p, out, nil
}

// Apply computes the pipeline's output for frame's rows with the fitted
// state: the same code as Fit, for validation and prediction rows alike.
// frame must hold every column in Plan().Reads with the kind it had when
// fitted (string kinds — categorical, text, identifier — are
// interchangeable). Unseen categories and missing values are handled as
// each op documents.
func (p *Pipeline) Apply(ctx context.Context, frame *features.Frame) (*Output, error) {
	return p.run(&evalCtx{ctx: ctx, frame: frame, rows: frame.Rows})
}

func (p *Pipeline) needsLabels() bool {
	need := false
	for _, it := range p.items {
		walkNodes(it.root, func(n node) {
			if cn, ok := n.(*callNode); ok && cn.op.OOF {
				need = true
			}
		})
	}
	return need
}

func checkLabels(y []float64, rows int) error {
	if y == nil {
		return fmt.Errorf("features fit: the spec uses target_mean, which needs the training labels (y is nil)")
	}
	if len(y) != rows {
		return fmt.Errorf("features fit: %d labels for %d training rows", len(y), rows)
	}
	for i, v := range y {
		if v != 0 && v != 1 {
			return fmt.Errorf("features fit: label of training row %d is %v, want 0 or 1", i, v)
		}
	}
	return nil
}

// assignFolds gives every training row a fold for out-of-fold encodings:
// a seeded random permutation cut into K parts, or with TimeCol K
// contiguous blocks in time order (ties and missing times by row order,
// missing times last).
func assignFolds(frame *features.Frame, opt FitOptions) ([]int32, error) {
	n := frame.Rows
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if opt.TimeCol != "" {
		tc := frame.Col(opt.TimeCol)
		if tc == nil {
			return nil, fmt.Errorf("features fit: FitOptions.TimeCol %q is not a column of the frame", opt.TimeCol)
		}
		if tc.Kind != features.Numeric && tc.Kind != features.Datetime {
			return nil, fmt.Errorf("features fit: FitOptions.TimeCol %q is %s, want datetime or numeric", opt.TimeCol, tc.Kind)
		}
		t := tc.Num
		sort.SliceStable(order, func(i, j int) bool {
			a, b := t[order[i]], t[order[j]]
			if a != a || b != b {
				return a == a && b != b
			}
			return a < b
		})
	} else {
		r := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
		r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	folds := make([]int32, n)
	for k, i := range order {
		folds[i] = int32(k * opt.Folds / max(n, 1))
	}
	return folds, nil
}

// run evaluates every item (in parallel, each item on its own nodes) and
// assembles the output in item order.
func (p *Pipeline) run(base *evalCtx) (*Output, error) {
	ctx := base.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cols := make([]*features.Column, len(p.items))
	sparse := make([]*Sparse, len(p.items))
	g, gctx := errgroup.WithContext(ctx)
	threads := p.threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	g.SetLimit(threads)
	for i, it := range p.items {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			ec := *base
			ec.ctx = gctx
			v, err := it.root.eval(&ec)
			if err != nil {
				return fmt.Errorf("features: output %q: %w", it.name, err)
			}
			cols[i], sparse[i] = outputOf(it, v)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := &Output{Rows: base.rows}
	for i := range p.items {
		if cols[i] != nil {
			out.Columns = append(out.Columns, cols[i])
		}
		if sparse[i] != nil {
			out.Sparse = append(out.Sparse, sparse[i])
		}
	}
	return out, nil
}

// outputOf wraps an item's value as an output column or sparse block.
func outputOf(it *outItem, v value) (*features.Column, *Sparse) {
	switch it.rt {
	case ResultCategorical:
		col := &features.Column{Name: it.name, Kind: features.Categorical, Codes: v.codes, Levels: v.levels, Counts: make([]int, len(v.levels))}
		for _, c := range v.codes {
			if c < 0 {
				col.Missing++
			} else {
				col.Counts[c]++
			}
		}
		return col, nil
	case ResultSparse:
		sp := *v.sp
		sp.Name = it.name
		return nil, &sp
	}
	miss := 0
	for _, x := range v.num {
		if x != x {
			miss++
		}
	}
	return &features.Column{Name: it.name, Kind: features.Numeric, Num: v.num, Missing: miss}, nil
}

// WithThreads returns a copy of p (sharing its fitted state) whose Apply
// evaluates up to n items at once; n ≤ 0 means GOMAXPROCS. Use it to keep
// a worker pool from oversubscribing the CPUs.
func (p *Pipeline) WithThreads(n int) *Pipeline {
	q := *p
	q.threads = n
	return &q
}

// Spec is the spec the pipeline was fitted from.
func (p *Pipeline) Spec() *Spec { return p.spec }

// Plan lists the pipeline's outputs, pass-through, dropped and read columns
// (Reads is what a data contract must require at prediction time).
func (p *Pipeline) Plan() Plan { return p.plan }
