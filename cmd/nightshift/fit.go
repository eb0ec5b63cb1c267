package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/trainer"
	"github.com/nightshift-ml/nightshift/trainer/learners"
)

func runFit(ctx context.Context, e *env, args []string) error {
	stdout, stderr := e.stdout, e.stderr
	fs := newFlagSet("fit", stderr)
	var d dataFlags
	d.register(fs)
	model := fs.String("model", learners.GBDT, "model kind: "+strings.Join(learners.Kinds(), " or "))
	valid := fs.String("valid", "", "validation file (read with the training file's column kinds); default: a holdout")
	holdout := fs.Float64("holdout", 0.2, "fraction of rows held out for validation when --valid is not given")
	splitMode := fs.String("split", "stratified", "holdout draw: stratified (seeded) or modulo (row i held out when i % round(1/holdout) is last, as the peer scripts do)")
	var params repeatFlag
	fs.Var(&params, "param", "model parameter K=V (repeatable; LightGBM names for gbdt, e.g. num_iterations=200)")
	feats := fs.String("features", "", "feature set in the transform language (\"log1p(amount); count(merchant)\"), or @FILE to read it from a file; docs/features.md lists the ops")
	threads := fs.Int("threads", 0, "threads (0 = all cores)")
	seed := fs.Uint64("seed", 42, "seed for the split and the model")
	var allowLeak listFlag
	fs.Var(&allowLeak, "allow-leak", "keep a column the profile flags as a leak (single-column AUC ≥ 0.99) as a feature; repeatable or comma-separated (default: such columns are left out, and said so)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	out := fs.String("out", "", "write the model file here (LightGBM text for gbdt, JSON for logreg)")
	preds := fs.String("predictions", "", "write the validation rows' probabilities here (CSV, one score column, input order)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := d.check(); err != nil {
		return err
	}
	if err := checkThreads(*threads); err != nil {
		return err
	}
	kv, err := paramPairs(params)
	if err != nil {
		return err
	}
	featureSpec, err := readFeatureSpec(*feats)
	if err != nil {
		return err
	}
	res, err := experiment.Fit(ctx, experiment.FitConfig{
		Table: d.tableSpec(), ValidPath: *valid, Holdout: *holdout, SplitMode: *splitMode,
		Model: *model, Features: featureSpec, Params: kv, Threads: *threads, Seed: *seed, AllowLeaks: allowLeak,
	})
	if err != nil {
		return err
	}
	printWarnings(stderr, res.Warnings)
	printLeaks(stderr, res.Leaks)
	if *out != "" {
		if err := experiment.WriteFileAtomic(*out, res.WriteModel); err != nil {
			return err
		}
	}
	if *preds != "" {
		if err := writePredictions(*preds, res.Predictions); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printFit(stdout, d.data, res)
	return nil
}

// paramPairs reads the --param flags' KEY=VALUE pairs.
func paramPairs(params []string) (map[string]string, error) {
	kv := map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usagef("--param %q: want KEY=VALUE", p)
		}
		kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return kv, nil
}

// readFeatureSpec is the --features value, or the file it names as @FILE.
func readFeatureSpec(spec string) (string, error) {
	if !strings.HasPrefix(spec, "@") {
		return spec, nil
	}
	b, err := os.ReadFile(spec[1:])
	if err != nil {
		return "", fmt.Errorf("--features: %w", err)
	}
	return string(b), nil
}

// writePredictions writes the validation rows' probabilities to path: a
// score column, input order, every digit a float64 needs.
func writePredictions(path string, preds []float64) error {
	return experiment.WriteFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintln(bw, "score")
		for _, p := range preds {
			bw.WriteString(strconv.FormatFloat(p, 'g', 17, 64))
			bw.WriteByte('\n')
		}
		return bw.Flush()
	})
}

// printFit prints a fit's result for a reader of the terminal; data is
// the training file's path.
func printFit(stdout io.Writer, data string, res *experiment.FitResult) {
	fmt.Fprintf(stdout, "model %s on %s: %d rows, %d feature columns (%d train, %d validation rows); positive = %q\n",
		res.Model, data, res.Rows, res.Columns, res.TrainRows, res.ValidRows, res.Positive)
	for _, u := range res.Unused {
		fmt.Fprintf(stdout, "  not used: %s — %s\n", u.Name, u.Reason)
	}
	fmt.Fprintf(stdout, "load %.3fs  features %.3fs  train %.3fs  predict %.3fs", res.LoadSeconds, res.FeatureSeconds, res.TrainSeconds, res.PredictSeconds)
	if _, ok := res.Learner().(trainer.Iterative); ok {
		if res.BestIteration > 0 {
			fmt.Fprintf(stdout, "  best iteration %d", res.BestIteration)
		} else {
			// No early stopping (early_stopping_round=0, LightGBM's default):
			// every iteration was kept, none was "best".
			fmt.Fprint(stdout, "  early stopping off")
		}
	}
	fmt.Fprintln(stdout)
	m := res.Metrics
	fmt.Fprintf(stdout, "AUC %.4f  PR AUC %.4f  log loss %.4f  Brier %.4f\n", m.AUC, m.PRAUC, m.LogLoss, m.Brier)
}

// printLeaks says what was done with each flagged leak column; fit and run
// say it the same way.
func printLeaks(w io.Writer, ds []features.LeakDecision) {
	for _, d := range ds {
		fmt.Fprintf(w, "warning: %s\n", d)
	}
}
