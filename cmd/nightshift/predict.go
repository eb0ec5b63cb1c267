package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment/atomicfile"
	"github.com/nightshift-ml/nightshift/experiment/promote"
	"github.com/nightshift-ml/nightshift/experiment/registry"
)

func runPredict(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("predict", e.stderr)
	reg := registryFlag(fs)
	model := fs.String("model", "", "the model: NAME (its champion), NAME@ALIAS, NAME/vK, or a name's or a version's directory (required)")
	data := fs.String("data", "", "the file to score, CSV or Parquet (required)")
	out := fs.String("out", "", "write the scores here (CSV: the id columns, then score; appears only complete); default stdout")
	idCols := fs.String("id-col", "", "comma-separated columns written before the score (default: the model's identifier columns the file has)")
	allow := fs.Bool("allow-violations", false, "score even when the file breaks the model's data contract (the violations are still listed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *data == "" {
		return usagef("predict needs --model REF and --data FILE")
	}
	dir, err := registry.Open(*reg).Resolve(*model)
	if err != nil {
		return err
	}
	o := promote.PredictOptions{VersionDir: dir, Data: *data, AllowViolations: *allow}
	if *idCols != "" {
		for _, c := range strings.Split(*idCols, ",") {
			o.IDCols = append(o.IDCols, strings.TrimSpace(c))
		}
	}
	var res *promote.PredictResult
	score := func(w io.Writer) error {
		var err error
		res, err = promote.Predict(ctx, o, w)
		return err
	}
	if *out != "" {
		err = atomicfile.Write(*out, score)
	} else {
		err = score(e.stdout)
	}
	if res != nil && res.Report != nil && len(res.Report.Violations) > 0 {
		res.Report.Print(e.stderr)
	}
	var cv *promote.ContractViolation
	if errors.As(err, &cv) {
		return exitError{code: exitContract, err: cv}
	}
	if err != nil {
		return err
	}
	if res.Report == nil {
		fmt.Fprintf(e.stderr, "note: %s has no data contract: %s was not checked\n", dir, *data)
	} else if res.Report.Failed() {
		fmt.Fprintf(e.stderr, "scored despite %d contract error(s) (--allow-violations)\n", res.Report.Errors)
	}
	dest := *out
	if dest == "" {
		dest = "stdout"
	}
	fmt.Fprintf(e.stderr, "scored %d rows of %s with %s → %s (check %.2fs, score %.2fs)\n", res.Rows, *data, dir, dest, res.CheckSeconds, res.ScoreSeconds)
	return nil
}
