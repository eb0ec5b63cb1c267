package dsl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
)

// Limits bound what a spec may produce. Zero fields take the defaults.
type Limits struct {
	MaxColumns     int   // dense output columns (default 2000)
	MaxBytes       int64 // estimated output + fitted-state memory (default 8 GiB)
	MaxSparseWidth int   // total width of sparse blocks (default 1<<22)
}

func (l Limits) withDefaults() Limits {
	if l.MaxColumns <= 0 {
		l.MaxColumns = 2000
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 8 << 30
	}
	if l.MaxSparseWidth <= 0 {
		l.MaxSparseWidth = 1 << 22
	}
	return l
}

// CheckOptions say what a spec may read.
type CheckOptions struct {
	// Target is the label column's name when the frame still holds it; it
	// never passes through and no expression may read it.
	Target string
	// Leaks are columns the profile flagged as leaking the label; they never
	// pass through and no expression may read them.
	Leaks  []string
	Limits Limits
}

// Cost is the estimated size of a spec's output on a frame.
type Cost struct {
	Rows        int
	Columns     int       // dense output columns, pass-through included
	SparseWidth int       // total width of sparse blocks
	SparseNNZ   int64     // estimated non-zeros in sparse blocks
	Bytes       int64     // estimated memory: dense outputs, sparse blocks, fitted state
	Time        CostClass // the most expensive op's class
}

func (c Cost) String() string {
	return fmt.Sprintf("%d rows × %d columns (+%d sparse, ~%d non-zeros), ~%s, %s", c.Rows, c.Columns, c.SparseWidth, c.SparseNNZ, humanBytes(c.Bytes), c.Time)
}

func humanBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// OutputInfo describes one output column or block.
type OutputInfo struct {
	Name string
	Type ResultType
}

// Plan is what Check found: the outputs in order, the base columns passed
// through, those dropped and those read, and the cost.
type Plan struct {
	Outputs     []OutputInfo // pass-through columns first (frame order), then items (canonical order)
	PassThrough []string
	Dropped     []string
	Reads       []string // base columns the pipeline reads (sorted)
	Cost        Cost
}

// colInfo is a base column as the checker sees it.
type colInfo struct {
	Name     string        `json:"name"`
	Kind     features.Kind `json:"-"`
	KindName string        `json:"kind"`
}

// compiled is a checked spec turned into node trees.
type compiled struct {
	items []*outItem
	plan  Plan
}

type outItem struct {
	name string
	rt   ResultType
	root node
}

// Check validates spec against frame: columns exist and have the kinds the
// ops need, literal arguments are in range, nothing reads the target or a
// flagged leak column, output names are unique, and the estimated cost is
// within the limits. Every problem is reported (ErrorList), each with its
// position and, where possible, a hint.
func Check(spec *Spec, frame *features.Frame, opt CheckOptions) (*Plan, error) {
	c, err := compile(spec, schemaOf(frame), opt, frame)
	if err != nil {
		return nil, err
	}
	return &c.plan, nil
}

func schemaOf(f *features.Frame) []colInfo {
	out := make([]colInfo, len(f.Columns))
	for i, c := range f.Columns {
		out[i] = colInfo{Name: c.Name, Kind: c.Kind, KindName: c.Kind.String()}
	}
	return out
}

type checker struct {
	spec   *Spec
	cols   map[string]colInfo
	names  []string
	opt    CheckOptions
	leaks  map[string]bool
	errs   ErrorList
	reads  map[string]bool
	timeCl CostClass
}

func (ck *checker) fail(off int, cause error, msg, hint string) {
	ck.errs = append(ck.errs, &Error{Pos: posAt(ck.spec.Source, off), Msg: msg, Hint: hint, Err: cause})
}

// compile checks spec against the base columns; frame (optional) refines the
// cost estimate of text ops.
func compile(spec *Spec, base []colInfo, opt CheckOptions, frame *features.Frame) (*compiled, error) {
	ck := newChecker(spec, base, opt)
	dropped := ck.dropped()
	out := &compiled{}
	used := map[string]bool{}
	ck.passThrough(out, base, dropped, used)
	for _, it := range spec.Items {
		if it.Drop != "" {
			continue
		}
		if oi := ck.item(it, used); oi != nil {
			out.items = append(out.items, oi)
		}
	}
	for d := range dropped {
		out.plan.Dropped = append(out.plan.Dropped, d)
	}
	sort.Strings(out.plan.Dropped)
	if len(ck.errs) > 0 {
		return nil, ck.errs
	}
	for _, it := range out.items {
		out.plan.Outputs = append(out.plan.Outputs, OutputInfo{Name: it.name, Type: it.rt})
	}
	for r := range ck.reads {
		out.plan.Reads = append(out.plan.Reads, r)
	}
	sort.Strings(out.plan.Reads)
	if frame != nil {
		out.plan.Cost = estimateCost(out, frame, ck.timeCl)
		if err := checkLimits(spec, out.plan.Cost, opt.Limits.withDefaults()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func newChecker(spec *Spec, base []colInfo, opt CheckOptions) *checker {
	ck := &checker{spec: spec, cols: map[string]colInfo{}, opt: opt, leaks: map[string]bool{}, reads: map[string]bool{}, timeCl: CostLinear}
	for _, c := range base {
		ck.cols[c.Name] = c
		ck.names = append(ck.names, c.Name)
	}
	for _, l := range opt.Leaks {
		ck.leaks[l] = true
	}
	return ck
}

// dropped is the set of base columns the spec's drop items name; an
// unknown one is an error.
func (ck *checker) dropped() map[string]bool {
	dropped := map[string]bool{}
	for _, it := range ck.spec.Items {
		if it.Drop == "" {
			continue
		}
		if _, ok := ck.cols[it.Drop]; !ok {
			ck.unknownColumn(it.Off, it.Drop)
			continue
		}
		dropped[it.Drop] = true
	}
	return dropped
}

// passThrough adds the base columns that reach the model raw: numeric,
// datetime and categorical ones not dropped, not the target and not a
// flagged leak. Text and identifier columns never pass through raw.
func (ck *checker) passThrough(out *compiled, base []colInfo, dropped, used map[string]bool) {
	for _, c := range base {
		if dropped[c.Name] || c.Name == ck.opt.Target || ck.leaks[c.Name] {
			continue
		}
		var root node
		switch c.Kind {
		case features.Numeric:
			root = &colNode{name: c.Name, t: vNum}
		case features.Datetime:
			root = &colNode{name: c.Name, t: vTime}
		case features.Categorical:
			root = &catOutNode{x: &colNode{name: c.Name, t: vCat}}
		default:
			continue
		}
		rt := ResultNumeric
		if c.Kind == features.Categorical {
			rt = ResultCategorical
		}
		out.items = append(out.items, &outItem{name: c.Name, rt: rt, root: root})
		out.plan.PassThrough = append(out.plan.PassThrough, c.Name)
		ck.reads[c.Name] = true
		used[c.Name] = true
	}
}

// item compiles one expression item into an output, or records why it
// cannot be one (its expression's errors, raw text or identifier, a name
// already used) and returns nil.
func (ck *checker) item(it *Item, used map[string]bool) *outItem {
	nerr := len(ck.errs)
	n, t := ck.expr(it.Expr)
	if len(ck.errs) > nerr {
		return nil
	}
	rt := ResultNumeric
	switch t {
	case vCat:
		rt = ResultCategorical
		n = &catOutNode{x: n}
	case vSparse:
		rt = ResultSparse
	case vText:
		ck.fail(it.Expr.Offset(), ErrType, fmt.Sprintf("item %s is a raw text column", it.Name), "models see text only through text ops, e.g. length(t), word_count(t), tokens(t)")
		return nil
	}
	if col, ok := it.Expr.(*Column); ok && t == vCat && ck.cols[col.Name].Kind == features.Identifier {
		ck.fail(it.Expr.Offset(), ErrType, fmt.Sprintf("item %s is a raw identifier column", it.Name), fmt.Sprintf("identifiers are not features; use count(%s) or a group aggregate by it", quoteName(col.Name)))
		return nil
	}
	if used[it.Name] {
		off := it.Off
		if it.Explicit {
			off = it.NameOff
		}
		hint := "give it another name: newname = ..."
		if _, isBase := ck.cols[it.Name]; isBase {
			hint = fmt.Sprintf("name it differently, or drop(%s) to replace the base column", quoteName(it.Name))
		}
		ck.fail(off, ErrArgument, fmt.Sprintf("output column %q is defined twice", it.Name), hint)
		return nil
	}
	used[it.Name] = true
	return &outItem{name: it.Name, rt: rt, root: n}
}

func (ck *checker) unknownColumn(off int, name string) {
	hint := ""
	if s := didYouMean(name, ck.names); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	} else if len(ck.names) <= 12 {
		hint = "columns: " + strings.Join(ck.names, ", ")
	}
	ck.fail(off, ErrUnknownColumn, fmt.Sprintf("unknown column %q", name), hint)
}

// column resolves a column reference and applies the leakage rules.
func (ck *checker) column(e *Column) (colInfo, bool) {
	c, ok := ck.cols[e.Name]
	if !ok {
		ck.unknownColumn(e.Off, e.Name)
		return c, false
	}
	if e.Name == ck.opt.Target {
		ck.fail(e.Off, ErrLeak, fmt.Sprintf("reads the target column %q", e.Name), "only fold-fitted ops may use the label; write target_mean(c) to encode a category by the label out-of-fold")
		return c, false
	}
	if ck.leaks[e.Name] {
		ck.fail(e.Off, ErrLeak, fmt.Sprintf("reads column %q, which the profile flagged as leaking the label", e.Name), "remove it from the spec")
		return c, false
	}
	ck.reads[e.Name] = true
	return c, true
}

func colType(k features.Kind) vtype {
	switch k {
	case features.Numeric:
		return vNum
	case features.Datetime:
		return vTime
	case features.Text:
		return vText
	}
	return vCat
}

// expr compiles an expression; errors are collected and a nil node returned.
func (ck *checker) expr(e Expr) (node, vtype) {
	switch e := e.(type) {
	case *Column:
		c, ok := ck.column(e)
		if !ok {
			return nil, vNum
		}
		t := colType(c.Kind)
		return &colNode{name: c.Name, t: t}, t
	case *Number:
		return &constNode{v: e.Value}, vNum
	case *String:
		ck.fail(e.Off, ErrType, fmt.Sprintf("unexpected string %q", e.Value), "column names are written bare or in backquotes; strings are only op arguments")
		return nil, vNum
	case *List:
		ck.fail(e.Off, ErrType, fmt.Sprintf("unexpected list %s", canonString(e)), "lists are only the value of a list parameter (wsum's weights=); a total over columns is sum(a, b, c)")
		return nil, vNum
	case *Neg:
		x, t := ck.expr(e.X)
		if x != nil && !ck.numeric(e.X, t, "unary -") {
			return nil, vNum
		}
		return &negNode{x: x}, vNum
	case *Binary:
		l, lt := ck.expr(e.L)
		r, rt := ck.expr(e.R)
		if l == nil || r == nil {
			return nil, vNum
		}
		okL := ck.numeric(e.L, lt, "'"+string(e.Op)+"'")
		okR := ck.numeric(e.R, rt, "'"+string(e.Op)+"'")
		if !okL || !okR {
			return nil, vNum
		}
		return &binNode{op: e.Op, l: l, r: r}, vNum
	case *Call:
		return ck.call(e)
	}
	return nil, vNum
}

func (ck *checker) numeric(e Expr, t vtype, where string) bool {
	if t == vNum || t == vTime {
		return true
	}
	ck.fail(e.Offset(), ErrType, fmt.Sprintf("%s needs a numeric operand, %s is %s", where, canonString(e), t), typeHint(e, t))
	return false
}

func typeHint(e Expr, t vtype) string {
	s := canonString(e)
	switch t {
	case vCat:
		return fmt.Sprintf("encode it first, e.g. count(%s) or target_mean(%s), or range_mid(%s) when its levels are numbers or ranges (\"26 to 30\")", s, s, s)
	case vText:
		return fmt.Sprintf("use a text op, e.g. length(%s) or word_count(%s)", s, s)
	case vSparse:
		return "tokens(...) is a sparse block and can only be a whole item"
	}
	return ""
}

func accepts(p ArgType, t vtype) bool {
	switch p {
	case ArgNumeric:
		return t == vNum || t == vTime
	case ArgCategorical:
		return t == vCat || t == vText
	case ArgText:
		return t == vText || t == vCat
	case ArgDatetime:
		return t == vTime || t == vNum
	case ArgAny:
		return t != vSparse
	}
	return false
}

func (ck *checker) call(e *Call) (node, vtype) {
	op := e.op
	var args []node
	var types []vtype
	ok := true
	// arg compiles one expression argument of parameter prm.
	arg := func(prm Param, a Expr) {
		n, t := ck.expr(a)
		if n == nil {
			ok = false
			return
		}
		if !accepts(prm.Type, t) {
			hint := typeHint(a, t)
			if prm.Type == ArgCategorical && (t == vNum || t == vTime) {
				hint = fmt.Sprintf("category(%s) makes each exact value a level", canonString(a))
			}
			where := op.Name + "(" + prm.Name + "=...)"
			if prm.Variadic {
				where = op.Name + "(...)"
			}
			ck.fail(a.Offset(), ErrType, fmt.Sprintf("%s: %s is %s, want %s", where, canonString(a), t, prm.Type), hint)
			ok = false
			return
		}
		args = append(args, n)
		types = append(types, t)
	}
	for i, prm := range op.Params {
		a := e.Args[i]
		if a == nil || prm.Type.isLiteral() {
			continue
		}
		switch {
		case prm.Type == ArgColumn:
			continue
		case prm.Variadic:
			for _, x := range a.(*List).Items {
				arg(prm, x)
			}
			continue
		case prm.Type == ArgTime:
			col := a.(*Column)
			c, found := ck.column(col)
			if !found {
				ok = false
				continue
			}
			if c.Kind != features.Numeric && c.Kind != features.Datetime {
				ck.fail(col.Off, ErrType, fmt.Sprintf("%s(time=%s): column %q is %s, want datetime or numeric seconds", op.Name, quoteName(col.Name), col.Name, c.Kind), "")
				ok = false
				continue
			}
			args = append(args, &colNode{name: c.Name, t: colType(c.Kind)})
			types = append(types, colType(c.Kind))
			continue
		}
		arg(prm, a)
	}
	if !ok {
		return nil, vNum
	}
	impl, err := buildImpl(e, types)
	if err != nil {
		ck.fail(e.Off, ErrArgument, err.Error(), "signature: "+op.Signature())
		return nil, vNum
	}
	if op.Cost == CostSort && ck.timeCl == CostLinear || op.Cost == CostText && ck.timeCl != CostSort {
		ck.timeCl = op.Cost
	}
	rt := vNum
	switch op.Result {
	case ResultCategorical:
		rt = vCat
	case ResultSparse:
		rt = vSparse
	}
	return &callNode{op: op, args: args, impl: impl}, rt
}

// literal returns the literal argument of parameter name, or nil.
func (e *Call) literal(name string) Expr {
	for i, p := range e.op.Params {
		if p.Name == name {
			return e.Args[i]
		}
	}
	return nil
}

func (e *Call) num(name string) float64 {
	if n, ok := e.literal(name).(*Number); ok {
		return n.Value
	}
	return 0
}

// numbers returns the numbers of the list argument of parameter name, or nil.
func (e *Call) numbers(name string) []float64 {
	l, ok := e.literal(name).(*List)
	if !ok {
		return nil
	}
	out := make([]float64, len(l.Items))
	for i, x := range l.Items {
		if n, ok := x.(*Number); ok {
			out[i] = n.Value
		}
	}
	return out
}

func (e *Call) str(name string) string {
	if s, ok := e.literal(name).(*String); ok {
		return s.Value
	}
	return ""
}
