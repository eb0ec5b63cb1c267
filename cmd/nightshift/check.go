package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nightshift-ml/nightshift/features/contract"
)

// contractFile is the name of the data contract inside a registry version.
const contractFile = "contract.odcs.yaml"

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("check", e.stderr)
	model := fs.String("model", "", "the model: NAME (its champion), NAME@ALIAS, NAME/vK, a name's or a version's directory, or a contract file")
	data := fs.String("data", "", "the data file to check (CSV or Parquet)")
	registry := fs.String("registry", "./models", "the model registry")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	examples := fs.Int("examples", 5, "example values listed per violation")
	seed := fs.Uint64("seed", 1, "seed for the label-leak test's row sample")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || *data == "" {
		return usagef("check needs --model REF and --data FILE")
	}
	path, err := contractPath(*registry, *model)
	if err != nil {
		return err
	}
	c, err := contract.Read(path)
	if err != nil {
		return err
	}
	in, err := contract.Load(ctx, c, *data)
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
// itself, or contract.odcs.yaml in the registry version resolveModel finds.
func contractPath(registry, ref string) (string, error) {
	if st, err := os.Stat(ref); err == nil && st.Mode().IsRegular() {
		return ref, nil
	}
	dir, err := resolveModel(registry, ref)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, contractFile)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("model %s: version directory %s has no %s: %w", ref, dir, contractFile, err)
	}
	return p, nil
}

// resolveModel turns a --model REF into a registry version directory. The
// registry layout is DIR/NAME/vK/ (one version) and DIR/NAME/aliases.json
// ({"aliases": {"champion": "vK", ...}, ...}). REF is, in this order:
//   - the path of a version directory (it holds contract.odcs.yaml), or of a
//     name's directory (it holds aliases.json: its champion);
//   - NAME@ALIAS: the version ALIAS points to in DIR/NAME;
//   - NAME/vK: that version;
//   - NAME: its champion.
func resolveModel(registry, ref string) (string, error) {
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		if exists(filepath.Join(ref, contractFile)) {
			return ref, nil
		}
		if exists(filepath.Join(ref, aliasesFile)) {
			return aliasVersion(ref, "champion")
		}
		return "", fmt.Errorf("model %s: the directory holds neither %s (a version) nor %s (a model name)", ref, contractFile, aliasesFile)
	}
	name, alias, hasAlias := strings.Cut(ref, "@")
	if hasAlias {
		if name == "" || alias == "" {
			return "", usagef("--model %q: want NAME@ALIAS", ref)
		}
		return aliasVersion(filepath.Join(registry, name), alias)
	}
	if n, v, ok := strings.Cut(ref, "/"); ok && isVersion(v) {
		dir := filepath.Join(registry, n, v)
		if !exists(dir) {
			return "", fmt.Errorf("model %s: no version %s in %s%s", ref, v, filepath.Join(registry, n), listing(filepath.Join(registry, n), isVersion))
		}
		return dir, nil
	}
	nameDir := filepath.Join(registry, ref)
	if !exists(nameDir) {
		return "", fmt.Errorf("model %s: not a file, a directory, or a model name in registry %s%s", ref, registry, listing(registry, func(string) bool { return true }))
	}
	return aliasVersion(nameDir, "champion")
}

const aliasesFile = "aliases.json"

// aliasVersion reads nameDir/aliases.json and returns the directory of the
// version alias points to.
func aliasVersion(nameDir, alias string) (string, error) {
	p := filepath.Join(nameDir, aliasesFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("model %s: no %s (is %s a model in the registry?)%s", filepath.Base(nameDir), p, filepath.Dir(nameDir), listing(filepath.Dir(nameDir), func(string) bool { return true }))
	}
	if err != nil {
		return "", err
	}
	var doc struct {
		Aliases map[string]string `json:"aliases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	v, ok := doc.Aliases[alias]
	if !ok {
		names := make([]string, 0, len(doc.Aliases))
		for a, v := range doc.Aliases {
			names = append(names, a+" → "+v)
		}
		sort.Strings(names)
		have := "none"
		if len(names) > 0 {
			have = strings.Join(names, ", ")
		}
		return "", fmt.Errorf("model %s has no alias %q (aliases: %s)", filepath.Base(nameDir), alias, have)
	}
	if !isVersion(v) {
		return "", fmt.Errorf("%s: alias %q points to %q, not a version vK", p, alias, v)
	}
	dir := filepath.Join(nameDir, v)
	if !exists(dir) {
		return "", fmt.Errorf("%s: alias %q points to %s, which does not exist", p, alias, dir)
	}
	return dir, nil
}

// isVersion reports whether s names a registry version: v followed by digits.
func isVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// listing is " (have: a, b)" for the directory entries of dir that keep
// accepts, or "" when there are none.
func listing(dir string, keep func(string) bool) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && keep(e.Name()) {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (have: " + strings.Join(names, ", ") + ")"
}
