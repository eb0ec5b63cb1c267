package learners

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"strconv"
	"time"

	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
)

// gbdtLearner is nightshift's histogram GBDT (trainer/gbdt). Models are
// LightGBM v3 text files; loaded models predict through leaves.
type gbdtLearner struct{}

func (gbdtLearner) Kind() string { return GBDT }

func (gbdtLearner) CheckParams(kv map[string]string) error {
	_, err := gbdt.ParseParams(kv)
	return err
}

// Usable: the trees read dense features only.
func (gbdtLearner) Usable(d *trainer.Dataset) bool { return len(d.Features) > 0 }

func (gbdtLearner) FileName() string { return "model.txt" }

// FixedIterations turns early stopping off and, for n > 0, trains n trees.
func (gbdtLearner) FixedIterations(params map[string]string, n int) map[string]string {
	kv := maps.Clone(params)
	if kv == nil {
		kv = map[string]string{}
	}
	kv["early_stopping_round"] = "0"
	if n > 0 {
		kv["num_iterations"] = strconv.Itoa(n)
	}
	return kv
}

// binKey is the Memo key of a design binned with max_bin.
type binKey struct{ maxBin int }

// Fit bins the training design (once per Memo and max_bin when one is
// given: bin edges from all of Data's rows, as LightGBM's own CV does;
// else from the training rows), bins the validation rows with the same
// edges and trains with early stopping on them.
func (gbdtLearner) Fit(ctx context.Context, in trainer.FitInput) (trainer.Fit, error) {
	kv := maps.Clone(in.Params)
	if kv == nil {
		kv = map[string]string{}
	}
	kv["num_threads"] = strconv.Itoa(in.Threads)
	kv["seed"] = strconv.FormatUint(in.Seed, 10)
	p, err := gbdt.ParseParams(kv)
	if err != nil {
		return trainer.Fit{}, err
	}
	bin := func(part trainer.Part) (*gbdt.BinnedDataset, error) {
		if part.Memo == nil {
			return gbdt.NewBinnedDataset(ctx, part.Data, p.MaxBin)
		}
		v, err := part.Memo.Get(binKey{p.MaxBin}, func() (any, error) { return gbdt.NewBinnedDataset(ctx, part.Data, p.MaxBin) })
		if err != nil {
			return nil, err
		}
		return v.(*gbdt.BinnedDataset), nil
	}
	start := time.Now()
	tb, err := bin(in.Train)
	if err != nil {
		return trainer.Fit{}, err
	}
	train := gbdt.Data{Binned: tb, Labels: in.Train.Labels, Rows: in.Train.Rows}
	var valid *gbdt.Data
	if v := in.Valid; v != nil {
		var vb *gbdt.BinnedDataset
		if v.Data == in.Train.Data && v.Memo != nil && v.Memo == in.Train.Memo {
			vb = tb
		} else if vb, err = tb.Bin(ctx, v.Data); err != nil {
			return trainer.Fit{}, fmt.Errorf("validation rows: %w", err)
		}
		valid = &gbdt.Data{Binned: vb, Labels: v.Labels, Rows: v.Rows}
	}
	prep := time.Since(start).Seconds()
	m, err := gbdt.Train(ctx, p, train, valid)
	if err != nil {
		return trainer.Fit{}, err
	}
	return trainer.Fit{Model: m, BestIteration: m.BestIteration(), PrepareSeconds: prep}, nil
}

// Save writes LightGBM text: a trained model's, or a loaded model's
// bytes as they were read.
func (gbdtLearner) Save(w io.Writer, m trainer.Model) error {
	switch m := m.(type) {
	case *gbdt.Model:
		return m.WriteText(w)
	case *loadedGBDT:
		_, err := w.Write(m.text)
		return err
	}
	return fmt.Errorf("gbdt: cannot save a %T", m)
}

// Load reads LightGBM text: leaves must accept it (it also checks the
// trees' links), and it is compiled into a forest for scoring (equal to
// leaves' scores bit for bit, faster on blocks of rows).
func (gbdtLearner) Load(r io.Reader) (trainer.Model, error) {
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("gbdt: reading model: %w", err)
	}
	lm, err := gbdt.LoadLeaves(bytes.NewReader(text))
	if err != nil {
		return nil, err
	}
	f, err := parseForest(string(text))
	if err != nil {
		return nil, err
	}
	if f.nFeatures != lm.NumFeatures() || len(f.trees) != lm.NumTrees() {
		return nil, fmt.Errorf("gbdt: model read as %d trees over %d features, leaves read %d over %d", len(f.trees), f.nFeatures, lm.NumTrees(), lm.NumFeatures())
	}
	return &loadedGBDT{forest: f, text: text}, nil
}

// loadedGBDT is a GBDT read back: the forest predicts, the text saves it
// again.
type loadedGBDT struct {
	*forest
	text []byte
}
