package dsl

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/nightshift-ml/nightshift/features"
)

// Pipeline JSON format identity. Bump FormatVersion when a state's meaning
// or layout changes; UnmarshalJSON refuses versions it does not know.
const (
	FormatName    = "nightshift.features.pipeline"
	FormatVersion = 1
)

type pipelineJSON struct {
	Format  string       `json:"format"`
	Version int          `json:"version"`
	Spec    string       `json:"spec"`
	Hash    string       `json:"hash"`
	Base    []colInfo    `json:"base"`
	Target  string       `json:"target,omitempty"`
	Leaks   []string     `json:"leaks,omitempty"`
	Folds   int          `json:"folds"`
	Seed    uint64       `json:"seed"`
	TimeCol string       `json:"time_col,omitempty"`
	Outputs []outputJSON `json:"outputs"`
	States  []stateJSON  `json:"states"`
}

type outputJSON struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// stateJSON is one fitted op's state; states are listed per output in
// pre-order over the expression tree.
type stateJSON struct {
	Output string          `json:"output"`
	Op     string          `json:"op"`
	State  json.RawMessage `json:"state"`
}

// MarshalJSON writes the pipeline in its versioned JSON form. Floats are
// written in shortest round-trip form (NaN and ±Inf as strings), so a
// pipeline read back produces bit-identical outputs.
func (p *Pipeline) MarshalJSON() ([]byte, error) {
	pj := pipelineJSON{Format: FormatName, Version: FormatVersion, Spec: p.spec.Canonical(), Hash: p.spec.Hash(), Base: p.base, Target: p.target, Leaks: p.leaks, Folds: p.folds, Seed: p.seed, TimeCol: p.timeCol, Outputs: []outputJSON{}, States: []stateJSON{}}
	for _, it := range p.items {
		pj.Outputs = append(pj.Outputs, outputJSON{Name: it.name, Type: it.rt.String()})
		var err error
		walkState(it.root, func(s stateful) {
			if err != nil {
				return
			}
			var raw []byte
			raw, err = json.Marshal(s.state())
			pj.States = append(pj.States, stateJSON{Output: it.name, Op: s.opName(), State: raw})
		})
		if err != nil {
			return nil, fmt.Errorf("features pipeline: encoding the state of %q: %w", it.name, err)
		}
	}
	return json.Marshal(pj)
}

// UnmarshalJSON reads a pipeline written by MarshalJSON: it re-parses and
// re-checks the spec against the stored base columns and loads every op's
// state, refusing unknown formats, versions and any mismatch.
func (p *Pipeline) UnmarshalJSON(data []byte) error {
	var pj pipelineJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pj); err != nil {
		return fmt.Errorf("features pipeline: %w: %v", ErrFormat, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("features pipeline: %w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	if pj.Format != FormatName {
		return bad("format %q, want %q", pj.Format, FormatName)
	}
	if pj.Version != FormatVersion {
		return bad("version %d, this build reads version %d", pj.Version, FormatVersion)
	}
	spec, err := Parse(pj.Spec)
	if err != nil {
		return bad("spec: %v", err)
	}
	if spec.Hash() != pj.Hash {
		return bad("spec hash %s does not match the spec text (hash %s)", pj.Hash, spec.Hash())
	}
	for i := range pj.Base {
		k, err := features.ParseKind(pj.Base[i].KindName)
		if err != nil {
			return bad("base column %q: %v", pj.Base[i].Name, err)
		}
		pj.Base[i].Kind = k
	}
	c, err := compile(spec, pj.Base, CheckOptions{Target: pj.Target, Leaks: pj.Leaks}, nil)
	if err != nil {
		return bad("spec does not check against its base columns: %v", err)
	}
	if len(c.items) != len(pj.Outputs) {
		return bad("%d outputs stored, the spec makes %d", len(pj.Outputs), len(c.items))
	}
	k := 0
	for i, it := range c.items {
		if o := pj.Outputs[i]; o.Name != it.name || o.Type != it.rt.String() {
			return bad("output %d is %s %q, the spec makes %s %q", i, o.Type, o.Name, it.rt, it.name)
		}
		walkState(it.root, func(s stateful) {
			if err != nil {
				return
			}
			if k >= len(pj.States) {
				err = bad("missing state for %s in output %q", s.opName(), it.name)
				return
			}
			st := pj.States[k]
			k++
			if st.Output != it.name || st.Op != s.opName() {
				err = bad("state %d is for %s in %q, want %s in %q", k-1, st.Op, st.Output, s.opName(), it.name)
				return
			}
			if e := json.Unmarshal(st.State, s.state()); e != nil {
				err = bad("state of %s in %q: %v", st.Op, st.Output, e)
			}
		})
		if err != nil {
			return err
		}
	}
	if k != len(pj.States) {
		return bad("%d states stored, the spec has %d", len(pj.States), k)
	}
	if err := validateStates(c); err != nil {
		return bad("%v", err)
	}
	*p = Pipeline{spec: spec, base: pj.Base, target: pj.Target, leaks: pj.Leaks, folds: pj.Folds, seed: pj.Seed, timeCol: pj.TimeCol, items: c.items, plan: c.plan}
	return nil
}

// validateStates checks the invariants apply relies on, so a corrupted file
// is an error rather than a panic.
func validateStates(c *compiled) error {
	var err error
	for _, it := range c.items {
		walkNodes(it.root, func(n node) {
			if err != nil {
				return
			}
			cn, ok := n.(*callNode)
			if !ok {
				return
			}
			switch o := cn.impl.(type) {
			case *countImpl:
				if len(o.st.Counts) != len(o.st.Levels) {
					err = fmt.Errorf("count in %q: %d counts for %d levels", it.name, len(o.st.Counts), len(o.st.Levels))
				}
			case *targetMeanImpl:
				if len(o.st.Rows) != len(o.st.Levels) || len(o.st.Positives) != len(o.st.Levels) {
					err = fmt.Errorf("target_mean in %q: table lengths differ", it.name)
				}
			case *rankImpl:
				if len(o.st.Values) != len(o.st.Ranks) {
					err = fmt.Errorf("rank in %q: %d values for %d ranks", it.name, len(o.st.Values), len(o.st.Ranks))
				} else if !strictlyIncreasing(o.st.Values) {
					err = fmt.Errorf("rank in %q: values are not strictly increasing", it.name)
				}
			case *binImpl:
				if !strictlyIncreasing(o.st.Edges) {
					err = fmt.Errorf("bin in %q: edges are not strictly increasing", it.name)
				}
			case *groupImpl:
				s := &o.st
				if o.pit {
					if len(s.T) != len(s.G) || o.hasX && len(s.X) != len(s.G) {
						err = fmt.Errorf("%s in %q: history arrays differ in length", cn.op.Name, it.name)
						return
					}
					for _, g := range s.G {
						if g < 0 || int(g) >= len(s.Groups) {
							err = fmt.Errorf("%s in %q: group index %d out of range", cn.op.Name, it.name, g)
							return
						}
					}
				} else if len(s.Values) != len(s.Levels) {
					err = fmt.Errorf("%s in %q: %d values for %d levels", cn.op.Name, it.name, len(s.Values), len(s.Levels))
				}
			}
		})
	}
	return err
}

// strictlyIncreasing reports whether v is sorted without ties or NaN.
func strictlyIncreasing(v []float64) bool {
	for i, x := range v {
		if x != x || i > 0 && !(v[i-1] < x) {
			return false
		}
	}
	return true
}
