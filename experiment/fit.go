package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/gbdt"
	"github.com/nightshift-ml/nightshift/trainer/linear"
	"github.com/nightshift-ml/nightshift/trainer/metrics"
	"github.com/nightshift-ml/nightshift/trainer/split"
)

// FitConfig describes one model fit without a search (`nightshift fit`).
type FitConfig struct {
	Table TableSpec
	// ValidPath, when set, is scored instead of a holdout of Table; it is
	// read with the training table's column kinds and dictionaries.
	ValidPath string
	// Holdout is the fraction of rows kept for validation when ValidPath is empty.
	Holdout float64
	// SplitMode is "stratified" (default; seeded) or "modulo" (row i is a
	// validation row when i % round(1/Holdout) is the last residue: the
	// split the peer benchmark scripts use).
	SplitMode string
	Model     string // "gbdt" or "logreg"
	Params    map[string]string
	Threads   int
	Seed      uint64
}

// FitResult is what a fit prints (`fit --json`).
type FitResult struct {
	Model          string                  `json:"model"`
	Rows           int                     `json:"rows"`
	Columns        int                     `json:"columns"`
	TrainRows      int                     `json:"train_rows"`
	ValidRows      int                     `json:"valid_rows"`
	Positive       string                  `json:"positive"`
	LoadSeconds    float64                 `json:"load_seconds"`
	TrainSeconds   float64                 `json:"train_seconds"`
	PredictSeconds float64                 `json:"predict_seconds"`
	BestIteration  int                     `json:"best_iteration"`
	Metrics        metrics.Report          `json:"metrics"`
	Unused         []features.UnusedColumn `json:"unused"`

	// Predictions are the validation rows' probabilities, in input order.
	Predictions []float64 `json:"-"`
	model       trainer.Model
}

// WriteModel writes the fitted model's file: LightGBM text for gbdt, JSON for logreg.
func (r *FitResult) WriteModel(w io.Writer) error {
	switch m := r.model.(type) {
	case *gbdt.Model:
		return m.WriteText(w)
	case *linear.Model:
		return m.Save(w)
	}
	return fmt.Errorf("model %T cannot be saved", r.model)
}

// Fit trains one model on a table and scores its validation rows.
func Fit(ctx context.Context, cfg FitConfig) (*FitResult, error) {
	tab, err := LoadTable(cfg.Table)
	if err != nil {
		return nil, err
	}
	res := &FitResult{Model: cfg.Model, Rows: tab.Frame.Rows, Positive: tab.Target.Positive, LoadSeconds: tab.LoadSeconds}
	design, unused := DesignFromFrame(tab.Frame)
	res.Unused = unused
	res.Columns = len(design.Features)
	if len(design.Features) == 0 {
		return nil, fmt.Errorf("%s: no usable feature columns (%d unused: text and identifier columns need transforms)", cfg.Table.Path, len(unused))
	}
	y := tab.Target.Y

	var trainRows, validRows []int
	var validDesign *trainer.Dataset
	var validY []float64
	if cfg.ValidPath != "" {
		vspec := cfg.Table
		vspec.Path = cfg.ValidPath
		vspec.Load = features.ForceKinds(cfg.Table.Load, tab.Frame.Schema())
		vtab, err := LoadTable(vspec)
		if err != nil {
			return nil, err
		}
		if err := vtab.Frame.AlignTo(tab.Frame); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.ValidPath, err)
		}
		if vtab.Target.Positive != tab.Target.Positive {
			return nil, fmt.Errorf("%s: positive class %q differs from the training file's %q; pass --positive", cfg.ValidPath, vtab.Target.Positive, tab.Target.Positive)
		}
		validDesign, _ = DesignFromFrame(vtab.Frame.Without(unusedNames(unused)...))
		validY = vtab.Target.Y
		trainRows = allRows(design.Rows)
	} else {
		if cfg.Holdout <= 0 || cfg.Holdout >= 1 {
			return nil, fmt.Errorf("--holdout %v: want a fraction between 0 and 1, or --valid FILE", cfg.Holdout)
		}
		switch cfg.SplitMode {
		case "", "stratified":
			trainRows, validRows, err = split.StratifiedHoldout(y, cfg.Holdout, cfg.Seed)
		case "modulo":
			trainRows, validRows, err = split.ModuloHoldout(design.Rows, int(math.Round(1/cfg.Holdout)))
		default:
			return nil, fmt.Errorf("--split %q: want stratified or modulo", cfg.SplitMode)
		}
		if err != nil {
			return nil, err
		}
		validDesign = design.Take(validRows)
		validY = takeFloats(y, validRows)
	}
	res.TrainRows, res.ValidRows = len(trainRows), len(validY)

	threads := cfg.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	switch cfg.Model {
	case "gbdt":
		kv := withDefault(cfg.Params, "num_threads", strconv.Itoa(threads))
		kv = withDefault(kv, "seed", strconv.FormatUint(cfg.Seed, 10))
		p, err := gbdt.ParseParams(kv)
		if err != nil {
			return nil, err
		}
		binned, err := gbdt.NewBinnedDataset(ctx, design, p.MaxBin)
		if err != nil {
			return nil, err
		}
		var valid *gbdt.Data
		if cfg.ValidPath != "" {
			vb, err := binned.Bin(ctx, validDesign)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cfg.ValidPath, err)
			}
			valid = &gbdt.Data{Binned: vb, Labels: validY}
		} else {
			valid = &gbdt.Data{Binned: binned, Labels: y, Rows: validRows}
		}
		m, err := gbdt.Train(ctx, p, gbdt.Data{Binned: binned, Labels: y, Rows: trainRows}, valid)
		if err != nil {
			return nil, err
		}
		res.model = m
		res.BestIteration = m.BestIteration()
	case "logreg":
		p, err := linear.ParseParams(cfg.Params)
		if err != nil {
			return nil, err
		}
		train := design
		if cfg.ValidPath == "" {
			train = design.Take(trainRows)
		}
		m, err := linear.Fit(ctx, train, takeFloats(y, trainRows), p)
		if err != nil {
			return nil, err
		}
		res.model = m
	default:
		return nil, fmt.Errorf("--model %q: want gbdt or logreg", cfg.Model)
	}
	res.TrainSeconds = time.Since(start).Seconds()

	start = time.Now()
	pred, err := res.model.PredictProba(validDesign)
	if err != nil {
		return nil, err
	}
	res.PredictSeconds = time.Since(start).Seconds()
	res.Predictions = pred
	res.Metrics, err = metrics.Compute(validY, pred)
	if err != nil {
		return nil, fmt.Errorf("validation rows: %w", err)
	}
	return res, nil
}

func unusedNames(u []features.UnusedColumn) []string {
	out := make([]string, len(u))
	for i, c := range u {
		out[i] = c.Name
	}
	return out
}

func allRows(n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = i
	}
	return r
}

func takeFloats(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for j, i := range idx {
		out[j] = v[i]
	}
	return out
}

func withDefault(kv map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(kv)+1)
	for a, b := range kv {
		out[a] = b
	}
	if _, ok := out[k]; !ok {
		out[k] = v
	}
	return out
}
