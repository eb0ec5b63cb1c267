package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/design"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/learners"
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
	Model     string // a model kind (learners.Kinds)
	// Features is a feature set in the transform language (empty: the
	// base columns as they are).
	Features string
	Params   map[string]string
	Threads  int
	Seed     uint64
	// AllowLeaks are flagged leak columns kept as features (--allow-leak).
	AllowLeaks []string
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
	FeatureSeconds float64                 `json:"feature_seconds"`
	TrainSeconds   float64                 `json:"train_seconds"`
	PredictSeconds float64                 `json:"predict_seconds"`
	BestIteration  int                     `json:"best_iteration"`
	Metrics        metrics.Report          `json:"metrics"`
	Unused         []features.UnusedColumn `json:"unused"`
	// Warnings are what loading did unasked (strings read as missing in a
	// numeric column), for the training and the validation file.
	Warnings []features.Warning `json:"warnings"`

	// Leaks say what was done with each column the training rows' profile
	// flags as a leak (left out unless AllowLeaks keeps it).
	Leaks []features.LeakDecision `json:"leaks"`

	// Predictions are the validation rows' probabilities, in input order.
	Predictions []float64 `json:"-"`
	model       trainer.Model
	learner     trainer.Learner
}

// Learner is the model kind that was fitted.
func (r *FitResult) Learner() trainer.Learner { return r.learner }

// WriteModel writes the fitted model's file: LightGBM text for gbdt, JSON for logreg.
func (r *FitResult) WriteModel(w io.Writer) error {
	return r.learner.Save(w, r.model)
}

// Fit trains one model on a table and scores its validation rows. With a
// feature spec, the pipeline is fitted on the training rows only and
// applied to the validation rows (target encodings out-of-fold).
func Fit(ctx context.Context, cfg FitConfig) (*FitResult, error) {
	l, err := learners.Lookup(cfg.Model)
	if err != nil {
		return nil, &OptionError{Flag: "model", Err: fmt.Errorf("--%w", err)}
	}
	if err := checkFitOptions(l, cfg); err != nil {
		return nil, err
	}
	tab, err := LoadTable(cfg.Table)
	if err != nil {
		return nil, err
	}
	res := &FitResult{Model: cfg.Model, Rows: tab.Frame.Rows, Positive: tab.Target.Positive, LoadSeconds: tab.LoadSeconds,
		Warnings: append([]features.Warning{}, tab.Frame.Warnings...)}

	rows, warnings, err := splitFitRows(cfg, tab)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, warnings...)
	res.TrainRows, res.ValidRows = rows.train.Rows, rows.valid.Rows
	// Leaks: flagged on the training rows and left out as a study does,
	// unless --allow-leak keeps them.
	if res.Leaks, err = fitLeaks(tab, rows.train, rows.yTrain, cfg); err != nil {
		return nil, err
	}
	leaks := features.DroppedLeaks(res.Leaks)

	threads := cfg.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	trainDS, validDS, err := fitDesigns(ctx, cfg, tab, rows, leaks, threads, res)
	if err != nil {
		return nil, err
	}
	res.FeatureSeconds = time.Since(start).Seconds()
	res.Columns = len(trainDS.Features)
	if !l.Usable(trainDS) {
		return nil, fmt.Errorf("%s: no usable feature columns (%s; text and identifier columns need transforms, e.g. --features \"length(text); tokens(text)\", or a kind forced with --categorical/--numeric)", cfg.Table.Path, describeUnused(res.Unused))
	}

	start = time.Now()
	fit, err := trainFit(ctx, l, cfg, threads, rows, trainDS, validDS)
	if err != nil {
		return nil, err
	}
	res.model, res.learner, res.BestIteration = fit.Model, l, fit.BestIteration
	res.TrainSeconds = time.Since(start).Seconds()

	start = time.Now()
	pred, err := res.model.PredictProba(validDS)
	if err != nil {
		return nil, locateValueError(rows.valid, nil, err)
	}
	res.PredictSeconds = time.Since(start).Seconds()
	res.Predictions = pred
	res.Metrics, err = metrics.Compute(rows.yValid, pred)
	if err != nil {
		return nil, fmt.Errorf("validation rows: %w", err)
	}
	return res, nil
}

// trainFit fits the learner on the training rows, the validation rows
// its early stopping set.
func trainFit(ctx context.Context, l trainer.Learner, cfg FitConfig, threads int, rows fitRows, trainDS, validDS *trainer.Dataset) (trainer.Fit, error) {
	in, err := fitInput(cfg.Params, cfg.Seed, threads)
	if err != nil {
		return trainer.Fit{}, err
	}
	in.Train = trainer.Part{Data: trainDS, Labels: rows.yTrain}
	in.Valid = &trainer.Part{Data: validDS, Labels: rows.yValid}
	fit, err := l.Fit(ctx, in)
	if err != nil {
		return trainer.Fit{}, locateValueError(rows.train, nil, err)
	}
	return fit, nil
}

// fitRows are a fit's training and validation rows and their labels.
type fitRows struct {
	train, valid   *features.Frame
	yTrain, yValid []float64
}

// splitFitRows finds the fit's validation rows: the --valid file, read
// with the training table's column kinds and dictionaries and aligned to
// it, or a holdout of the table cut by cfg.SplitMode. It returns the
// validation file's load warnings.
func splitFitRows(cfg FitConfig, tab *Table) (fitRows, []features.Warning, error) {
	y := tab.Target.Y
	if cfg.ValidPath != "" {
		vspec := cfg.Table
		vspec.Path = cfg.ValidPath
		vspec.Load = features.ForceKinds(cfg.Table.Load, tab.Frame.Schema())
		vtab, err := LoadTable(vspec)
		if err != nil {
			return fitRows{}, nil, err
		}
		if err := vtab.Frame.AlignTo(tab.Frame); err != nil {
			return fitRows{}, nil, fmt.Errorf("%s: %w", cfg.ValidPath, err)
		}
		if vtab.Target.Positive != tab.Target.Positive {
			return fitRows{}, nil, fmt.Errorf("%s: positive class %q differs from the training file's %q; pass --positive", cfg.ValidPath, vtab.Target.Positive, tab.Target.Positive)
		}
		return fitRows{train: tab.Frame, valid: vtab.Frame, yTrain: y, yValid: vtab.Target.Y}, vtab.Frame.Warnings, nil
	}
	var trainRows, validRows []int
	var err error
	switch cfg.SplitMode {
	case "", "stratified":
		trainRows, validRows, err = split.StratifiedHoldout(y, cfg.Holdout, cfg.Seed)
	case "modulo":
		trainRows, validRows, err = split.ModuloHoldout(tab.Frame.Rows, int(math.Round(1/cfg.Holdout)))
	}
	if err != nil {
		return fitRows{}, nil, err
	}
	return fitRows{
		train: tab.Frame.Take(trainRows), valid: tab.Frame.Take(validRows),
		yTrain: takeFloats(y, trainRows), yValid: takeFloats(y, validRows),
	}, nil, nil
}

// fitDesigns turns the fit's rows into the learner's designs: through the
// feature set's pipeline, fitted on the training rows only, or the base
// columns without the dropped leaks. It sets res.Unused to the columns the
// designs leave out.
func fitDesigns(ctx context.Context, cfg FitConfig, tab *Table, rows fitRows, leaks []string, threads int, res *FitResult) (trainDS, validDS *trainer.Dataset, err error) {
	if strings.TrimSpace(cfg.Features) == "" {
		trainDS, res.Unused = DesignFromFrame(rows.train.Without(leaks...))
		validDS, _ = DesignFromFrame(rows.valid.Without(leaks...))
		return trainDS, validDS, nil
	}
	spec, err := dsl.Parse(cfg.Features)
	if err != nil {
		return nil, nil, fmt.Errorf("--features: %w", err)
	}
	pipe, trainOut, err := dsl.Fit(ctx, spec, rows.train, rows.yTrain, dsl.FitOptions{Folds: 5, Seed: cfg.Seed, Threads: threads, Leaks: leaks})
	if err != nil {
		return nil, nil, fmt.Errorf("--features: %w", err)
	}
	validOut, err := pipe.Apply(ctx, rows.valid)
	if err != nil {
		return nil, nil, fmt.Errorf("--features: %w", err)
	}
	for _, c := range tab.Frame.Columns {
		if (c.Kind == features.Text || c.Kind == features.Identifier) && !slices.Contains(pipe.Plan().Reads, c.Name) {
			res.Unused = append(res.Unused, features.UnusedColumn{Name: c.Name, Reason: c.Kind.String() + ": not read by the feature set"})
		}
	}
	return DesignFromOutput(trainOut), DesignFromOutput(validOut), nil
}

// describeUnused names the columns a model cannot use raw, and why.
func describeUnused(us []features.UnusedColumn) string {
	if len(us) == 0 {
		return "no columns besides the target"
	}
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = fmt.Sprintf("column %q: %s", u.Name, u.Reason)
	}
	return strings.Join(parts, "; ")
}

// locateValueError turns a learner's complaint about one training value
// into an error naming the file, line and column it came from
// (design.LocateValueError).
func locateValueError(fr *features.Frame, rows []int, err error) error {
	return design.LocateValueError(fr, rows, err, "drop or cap the column, or use --model gbdt")
}

func takeFloats(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for j, i := range idx {
		out[j] = v[i]
	}
	return out
}

// fitInput is `fit`'s learner settings: --seed and --threads unless the
// parameters name seed or num_threads themselves (those win).
func fitInput(params map[string]string, seed uint64, threads int) (trainer.FitInput, error) {
	in := trainer.FitInput{Params: map[string]string{}, Seed: seed, Threads: threads}
	for k, v := range params {
		switch k {
		case "seed":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return in, fmt.Errorf("--param seed=%q: want a non-negative integer", v)
			}
			in.Seed = n
		case "num_threads":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return in, fmt.Errorf("--param num_threads=%q: want a non-negative integer", v)
			}
			in.Threads = n
		default:
			in.Params[k] = v
		}
	}
	return in, nil
}

// fitLeaks profiles the training rows as a study profiles its search part
// and decides on each flagged leak column.
func fitLeaks(tab *Table, train *features.Frame, y []float64, cfg FitConfig) ([]features.LeakDecision, error) {
	target := *tab.Target
	target.Y, target.Positives = y, 0
	for _, v := range y {
		target.Positives += int(v)
	}
	target.Negatives = len(y) - target.Positives
	p := features.ProfileFrame(train, &target, cfg.Seed)
	p.File = tab.Path
	return leakDecisions(p, train, cfg.AllowLeaks)
}

// checkFitOptions refuses, before any data is read, the options Fit could
// only fail on later: the model's parameters (by its own parser), the
// holdout fraction and the split.
func checkFitOptions(l trainer.Learner, cfg FitConfig) error {
	kv := map[string]string{}
	for k, v := range cfg.Params {
		if k != "seed" && k != "num_threads" { // fitInput reads these two
			kv[k] = v
		}
	}
	if err := l.CheckParams(kv); err != nil {
		return &OptionError{Flag: "param", Err: err}
	}
	if cfg.ValidPath == "" && (cfg.Holdout <= 0 || cfg.Holdout >= 1) {
		return &OptionError{Flag: "holdout", Err: fmt.Errorf("--holdout %v: want a fraction between 0 and 1, or --valid FILE", cfg.Holdout)}
	}
	if cfg.ValidPath == "" && cfg.SplitMode != "" && cfg.SplitMode != "stratified" && cfg.SplitMode != "modulo" {
		return &OptionError{Flag: "split", Err: fmt.Errorf("--split %q: want stratified or modulo", cfg.SplitMode)}
	}
	return nil
}
