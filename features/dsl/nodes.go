package dsl

import (
	"fmt"
	"math"

	"github.com/nightshift-ml/nightshift/features"
)

// colNode reads a base column.
type colNode struct {
	name string
	t    vtype
}

func (n *colNode) children() []node { return nil }

func (n *colNode) eval(ec *evalCtx) (value, error) {
	c := ec.frame.Col(n.name)
	if c == nil {
		return value{}, fmt.Errorf("column %q: not in the frame (the pipeline reads it)", n.name)
	}
	if c.Len() != ec.rows {
		return value{}, fmt.Errorf("column %q: %d values, frame has %d rows", n.name, c.Len(), ec.rows)
	}
	switch n.t {
	case vNum, vTime:
		want := features.Numeric
		if n.t == vTime {
			want = features.Datetime
		}
		if c.Kind != want {
			return value{}, fmt.Errorf("column %q: kind %s, the pipeline was fitted on %s", n.name, c.Kind, want)
		}
		return value{num: c.Num}, nil
	default:
		if !c.Kind.IsString() {
			return value{}, fmt.Errorf("column %q: kind %s, the pipeline was fitted on a string column (%s)", n.name, c.Kind, n.t)
		}
		return value{codes: c.Codes, levels: c.Levels}, nil
	}
}

// constNode is a numeric literal inside arithmetic.
type constNode struct{ v float64 }

func (n *constNode) children() []node { return nil }

func (n *constNode) eval(ec *evalCtx) (value, error) {
	out := make([]float64, ec.rows)
	for i := range out {
		out[i] = n.v
	}
	return value{num: out}, nil
}

// binNode is arithmetic; x/0 and other non-finite results are missing.
type binNode struct {
	op   byte
	l, r node
}

func (n *binNode) children() []node { return []node{n.l, n.r} }

func (n *binNode) eval(ec *evalCtx) (value, error) {
	l, err := n.l.eval(ec)
	if err != nil {
		return value{}, err
	}
	r, err := n.r.eval(ec)
	if err != nil {
		return value{}, err
	}
	return value{num: arith(n.op, l.num, r.num)}, nil
}

func arith(op byte, a, b []float64) []float64 {
	out := make([]float64, len(a))
	switch op {
	case '+':
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case '-':
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case '*':
		for i := range out {
			out[i] = a[i] * b[i]
		}
	case '/':
		for i := range out {
			if b[i] == 0 {
				out[i] = math.NaN()
			} else {
				out[i] = a[i] / b[i]
			}
		}
	}
	for i, v := range out {
		if math.IsInf(v, 0) {
			out[i] = math.NaN()
		}
	}
	return out
}

// negNode is unary minus.
type negNode struct{ x node }

func (n *negNode) children() []node { return []node{n.x} }

func (n *negNode) eval(ec *evalCtx) (value, error) {
	x, err := n.x.eval(ec)
	if err != nil {
		return value{}, err
	}
	return value{num: mapNum(x.num, func(v float64) float64 { return -v })}, nil
}

// catOutState is the output dictionary of a categorical output column:
// the levels present on the training rows, in their order there, plus the
// catch-all levels (__other__, __rare__) of cross and rare, which unseen
// values map to.
type catOutState struct {
	Levels []string `json:"levels"`
}

// catOutNode turns a categorical value into an output column whose codes
// index the fitted dictionary, so codes mean the same thing in every frame
// the pipeline is applied to. Levels unseen in training → missing.
type catOutNode struct {
	x  node
	st catOutState
}

func (n *catOutNode) children() []node { return []node{n.x} }
func (n *catOutNode) opName() string   { return "categorical_output" }
func (n *catOutNode) state() any       { return &n.st }

func (n *catOutNode) eval(ec *evalCtx) (value, error) {
	x, err := n.x.eval(ec)
	if err != nil {
		return value{}, err
	}
	if ec.fit {
		cnt := make([]int, len(x.levels))
		for _, c := range x.codes {
			if c >= 0 {
				cnt[c]++
			}
		}
		n.st.Levels = []string{}
		for i, l := range x.levels {
			_, raw := n.x.(*colNode)
			if cnt[i] > 0 || !raw && (l == otherLevel || l == rareLevel) {
				n.st.Levels = append(n.st.Levels, l)
			}
		}
	}
	m := levelIndex(x.levels, indexOf(n.st.Levels))
	identity := len(m) == len(n.st.Levels)
	for i, j := range m {
		identity = identity && int(j) == i
	}
	if identity {
		// the frame's dictionary is the fitted one: share the codes (read-only)
		return value{codes: x.codes, levels: n.st.Levels}, nil
	}
	out := make([]int32, len(x.codes))
	for i, c := range x.codes {
		if c < 0 {
			out[i] = -1
		} else {
			out[i] = m[c]
		}
	}
	return value{codes: out, levels: n.st.Levels}, nil
}

// opImpl computes one op from its evaluated arguments.
type opImpl interface {
	apply(ec *evalCtx, args []value) (value, error)
}

// fittedImpl is an op with state fitted on the training rows. fit sets the
// state and returns the training rows' output (out-of-fold for target_mean;
// for every other op exactly what apply returns on the same rows).
type fittedImpl interface {
	opImpl
	fit(ec *evalCtx, args []value) (value, error)
	state() any
}

// streamingImpl is a stateless op that evaluates its arguments itself, one
// at a time, instead of receiving them all evaluated: the row aggregates,
// whose arguments can be many.
type streamingImpl interface {
	opImpl
	evalArgs(ec *evalCtx, args []node) (value, error)
}

// callNode applies an op to its argument nodes.
type callNode struct {
	op   *OpInfo
	args []node
	impl opImpl
}

func (n *callNode) children() []node { return n.args }
func (n *callNode) opName() string   { return n.op.Name }

func (n *callNode) state() any {
	if f, ok := n.impl.(fittedImpl); ok {
		return f.state()
	}
	return nil
}

func (n *callNode) eval(ec *evalCtx) (value, error) {
	if s, ok := n.impl.(streamingImpl); ok {
		return s.evalArgs(ec, n.args)
	}
	args := make([]value, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(ec)
		if err != nil {
			return value{}, err
		}
		args[i] = v
	}
	if f, ok := n.impl.(fittedImpl); ok && ec.fit {
		return f.fit(ec, args)
	}
	return n.impl.apply(ec, args)
}

// walkState visits the stateful nodes of a tree in pre-order: the order the
// pipeline's JSON lists their states in.
func walkState(n node, f func(stateful)) {
	if s, ok := n.(stateful); ok && s.state() != nil {
		f(s)
	}
	for _, c := range n.children() {
		walkState(c, f)
	}
}
