package dsl

import (
	"fmt"

	"github.com/nightshift-ml/nightshift/features"
)

// estimateCost sizes a compiled spec's output on frame: 8 bytes per dense
// cell, 12 per sparse non-zero (int32 index + float64 value), plus fitted
// state (point-in-time aggregates keep 24 bytes of history per row).
func estimateCost(c *compiled, frame *features.Frame, cl CostClass) Cost {
	cost := Cost{Rows: frame.Rows, Time: cl}
	var stateBytes int64
	for _, it := range c.items {
		if it.rt == ResultSparse {
			w, nnz := sparseEstimate(it.root, frame)
			cost.SparseWidth += w
			cost.SparseNNZ += nnz
			continue
		}
		cost.Columns++
		walkNodes(it.root, func(n node) {
			if cn, ok := n.(*callNode); ok {
				if g, ok := cn.impl.(*groupImpl); ok && g.pit {
					stateBytes += 24 * int64(frame.Rows)
				}
			}
		})
	}
	cost.Bytes = 8*int64(cost.Columns)*int64(frame.Rows) + 12*cost.SparseNNZ + 8*int64(frame.Rows+1)*int64(len(c.items)-cost.Columns) + stateBytes
	return cost
}

func walkNodes(n node, f func(node)) {
	f(n)
	for _, c := range n.children() {
		walkNodes(c, f)
	}
}

// sparseEstimate samples up to 200 distinct texts of the tokens' column to
// estimate non-zeros per row.
func sparseEstimate(root node, frame *features.Frame) (int, int64) {
	cn, ok := root.(*callNode)
	if !ok {
		return 0, 0
	}
	t, ok := cn.impl.(*tokensImpl)
	if !ok {
		return 0, 0
	}
	col, ok := cn.args[0].(*colNode)
	if !ok {
		return t.buckets, 2 * int64(frame.Rows) * 16
	}
	c := frame.Col(col.name)
	if c == nil || len(c.Levels) == 0 {
		return t.buckets, 0
	}
	step := max(1, len(c.Levels)/200)
	var total, n int
	for i := 0; i < len(c.Levels); i += step {
		idx, _ := t.tokenCounts(c.Levels[i])
		total += len(idx)
		n++
	}
	return t.buckets, int64(float64(total) / float64(n) * float64(frame.Rows-c.Missing))
}

func checkLimits(spec *Spec, c Cost, l Limits) error {
	var errs ErrorList
	at := posAt(spec.Source, 0)
	if c.Columns > l.MaxColumns {
		errs = append(errs, &Error{Pos: at, Msg: fmt.Sprintf("the spec makes %d dense columns, over the limit of %d", c.Columns, l.MaxColumns), Hint: "drop base columns or remove items", Err: ErrCost})
	}
	if c.SparseWidth > l.MaxSparseWidth {
		errs = append(errs, &Error{Pos: at, Msg: fmt.Sprintf("sparse blocks are %d columns wide, over the limit of %d", c.SparseWidth, l.MaxSparseWidth), Hint: "use fewer tokens(...) buckets", Err: ErrCost})
	}
	if c.Bytes > l.MaxBytes {
		errs = append(errs, &Error{Pos: at, Msg: fmt.Sprintf("estimated memory %s (%s) is over the limit of %s", humanBytes(c.Bytes), c, humanBytes(l.MaxBytes)), Hint: "remove items, lower tokens buckets, or raise the limit", Err: ErrCost})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
