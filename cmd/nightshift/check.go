package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nightshift-ml/nightshift/experiment/registry"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
)

// contractFile is the name of the data contract inside a registry version.
const contractFile = "contract.odcs.yaml"

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("check", e.stderr)
	model := fs.String("model", "", "the model: NAME (its champion), NAME@ALIAS, NAME/vK, a name's or a version's directory, or a contract file")
	data := fs.String("data", "", "the data file to check (CSV or Parquet)")
	regDir := fs.String("registry", "./models", "the model registry")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	examples := fs.Int("examples", 5, "example values listed per violation")
	seed := fs.Uint64("seed", 1, "seed for the label-leak test's row sample")
	delimiter := fs.String("delimiter", "", "the CSV field delimiter (default: detected from the header)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *data == "" {
		return usagef("check needs --model REF and --data FILE")
	}
	if *examples < 0 {
		return usagef("--examples %d: want the number of example values per violation, 0 or more", *examples)
	}
	path, err := contractPath(*regDir, *model)
	if err != nil {
		return err
	}
	c, err := contract.Read(path)
	if err != nil {
		return err
	}
	if *delimiter != "" {
		if _, err := features.ParseDelimiter(*delimiter); err != nil {
			return usagef("--delimiter: %v", err)
		}
	}
	in, err := contract.LoadWith(ctx, c, *data, features.LoadOptions{Delimiter: *delimiter})
	if err != nil {
		return err
	}
	rep, err := contract.Check(ctx, c, in, contract.CheckOptions{Examples: *examples, Seed: *seed})
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Model        string `json:"model"`
			ContractPath string `json:"contract_path"`
			Passed       bool   `json:"passed"`
			*contract.Report
		}{*model, path, !rep.Failed(), rep}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "contract %s\n", path)
		rep.Print(e.stdout)
	}
	if rep.Failed() {
		return exitError{code: exitContract, err: fmt.Errorf("%s violates the data contract of %s: %d error(s), %d warning(s)",
			*data, *model, rep.Errors, rep.Warnings)}
	}
	return nil
}

// contractPath finds the data contract a --model REF names: a contract file
// itself, or contract.odcs.yaml in the registry version REF resolves to
// (registry.Resolve: NAME, NAME@ALIAS, NAME/vK, a name's or a version's
// directory).
func contractPath(dir, ref string) (string, error) {
	if st, err := os.Stat(ref); err == nil && st.Mode().IsRegular() {
		return ref, nil
	}
	vdir, err := registry.Open(dir).Resolve(ref)
	if err != nil {
		return "", err
	}
	p := filepath.Join(vdir, contractFile)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("model %s: version directory %s has no %s: %w", ref, vdir, contractFile, err)
	}
	return p, nil
}
