package gbdt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/dmitryikh/leaves"

	"github.com/nightshift-ml/nightshift/trainer"
)

// LeavesModel is a LightGBM text model loaded through
// github.com/dmitryikh/leaves, for prediction.
type LeavesModel struct {
	ens       *leaves.Ensemble
	nFeatures int
}

// LoadLeaves reads a LightGBM text model (binary objective) from r. An
// invalid file is an error, never a panic: leaves panics on some malformed
// files (for example num_cat inconsistent with the decision types), so the
// load runs under recover.
func LoadLeaves(r io.Reader) (m *LeavesModel, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("gbdt: reading model: %w", err)
	}
	nf := -1
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "max_feature_idx="); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("gbdt: model: bad max_feature_idx %q", v)
			}
			nf = n + 1
			break
		}
		if line == "" || strings.HasPrefix(line, "Tree=") {
			break
		}
	}
	if nf < 0 {
		return nil, fmt.Errorf("gbdt: model: no max_feature_idx in the header: not a LightGBM text model")
	}
	if err := checkTreeLinks(string(data)); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("gbdt: model rejected by leaves: %v", p)
		}
	}()
	ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(data)), true)
	if err != nil {
		return nil, fmt.Errorf("gbdt: model rejected by leaves: %w", err)
	}
	if ens.NOutputGroups() != 1 || ens.Transformation().Name() != "logistic" {
		return nil, fmt.Errorf("gbdt: model is not a binary logistic model (%d output groups, transformation %s)",
			ens.NOutputGroups(), ens.Transformation().Name())
	}
	return &LeavesModel{ens: ens, nFeatures: nf}, nil
}

// LoadLeavesFile is LoadLeaves on a file; errors name the file.
func LoadLeavesFile(path string) (*LeavesModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := LoadLeaves(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// NumFeatures is max_feature_idx+1 from the model header.
func (m *LeavesModel) NumFeatures() int { return m.nFeatures }

// NumTrees is the number of iterations leaves read.
func (m *LeavesModel) NumTrees() int { return m.ens.NEstimators() }

// PredictProba returns leaves' probability for each row of ds, whose
// features must be the model's, in order.
func (m *LeavesModel) PredictProba(ds *trainer.Dataset) ([]float64, error) {
	if len(ds.Features) != m.nFeatures {
		return nil, fmt.Errorf("gbdt: dataset has %d features, the model %d", len(ds.Features), m.nFeatures)
	}
	nc := len(ds.Features)
	vals := make([]float64, ds.Rows*nc)
	for j, f := range ds.Features {
		if len(f.Values) != ds.Rows {
			return nil, fmt.Errorf("gbdt: feature %q: %d values, want %d rows", f.Name, len(f.Values), ds.Rows)
		}
		for r, v := range f.Values {
			vals[r*nc+j] = v
		}
	}
	out := make([]float64, ds.Rows)
	if ds.Rows == 0 {
		return out, nil
	}
	// leaves runs its own goroutines without recover; predict one chunk per
	// goroutine here instead, each under recover, so a malformed model is an
	// error and not a crash.
	errs := make([]error, runtime.GOMAXPROCS(0))
	chunk := (ds.Rows + len(errs) - 1) / len(errs)
	var wg sync.WaitGroup
	for w := range errs {
		lo, hi := w*chunk, min((w+1)*chunk, ds.Rows)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[w] = fmt.Errorf("gbdt: leaves failed to predict: %v", p)
				}
			}()
			if err := m.ens.PredictDense(vals[lo*nc:hi*nc], hi-lo, nc, out[lo:hi], 0, 1); err != nil {
				errs[w] = fmt.Errorf("gbdt: leaves: %w", err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkTreeLinks verifies that in every tree block (a blank-line separated
// block with num_leaves) each internal node and each leaf is the child of at
// most one node and the root of none. leaves follows child links without
// such a check, so a cycle would make prediction loop forever; recover
// cannot catch that.
func checkTreeLinks(text string) error {
	block := map[string]string{}
	lineNo, start := 0, 0
	check := func() error {
		defer clear(block)
		nl, ok := block["num_leaves"]
		if !ok {
			return nil
		}
		L, err := strconv.Atoi(nl)
		if err != nil || L < 1 {
			return fmt.Errorf("gbdt: model line %d: bad num_leaves %q", start, nl)
		}
		if L == 1 {
			return nil
		}
		var children [2][]string
		for i, key := range []string{"left_child", "right_child"} {
			children[i] = strings.Fields(block[key])
			if len(children[i]) != L-1 {
				return fmt.Errorf("gbdt: model tree at line %d: %s has %d entries, want num_leaves-1 = %d", start, key, len(children[i]), L-1)
			}
		}
		seenNode := make([]bool, L-1)
		seenLeaf := make([]bool, L)
		for i, key := range []string{"left_child", "right_child"} {
			for _, tok := range children[i] {
				c, err := strconv.Atoi(tok)
				switch {
				case err != nil:
					return fmt.Errorf("gbdt: model tree at line %d: %s: bad child %q", start, key, tok)
				case c >= 0 && (c == 0 || c >= L-1 || seenNode[c]):
					return fmt.Errorf("gbdt: model tree at line %d: %s: node %d is not a valid child", start, key, c)
				case c < 0 && (^c >= L || seenLeaf[^c]):
					return fmt.Errorf("gbdt: model tree at line %d: %s: leaf %d is not a valid child", start, key, ^c)
				case c >= 0:
					seenNode[c] = true
				default:
					seenLeaf[^c] = true
				}
			}
		}
		return nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		lineNo++
		line = strings.TrimSpace(line)
		if line == "" {
			if err := check(); err != nil {
				return err
			}
			continue
		}
		if len(block) == 0 {
			start = lineNo
		}
		k, v, _ := strings.Cut(line, "=")
		block[k] = v
	}
	return check()
}
