package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/features"
)

func runProfile(_ context.Context, e *env, args []string) error {
	stdout, stderr := e.stdout, e.stderr
	fs := newFlagSet("profile", stderr)
	var d dataFlags
	d.register(fs)
	asJSON := fs.Bool("json", false, "print the profile as JSON")
	seed := fs.Uint64("seed", 1, "seed for the AUC sample")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := d.check(); err != nil {
		return err
	}
	tab, err := experiment.LoadTable(d.tableSpec())
	if err != nil {
		return err
	}
	p := tab.Profile(*seed)
	printWarnings(stderr, p.Warnings)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	printProfile(stdout, p)
	return nil
}

func (d *dataFlags) tableSpec() experiment.TableSpec {
	opt := features.LoadOptions{Categorical: d.categorical, Text: d.text, IDCols: d.idCols, Numeric: d.numeric, Drop: d.drop, Delimiter: d.delimiter}
	if d.missingSet {
		opt.Missing = strings.Split(d.missing, ",")
	}
	return experiment.TableSpec{Path: d.data, Target: d.target, Positive: d.positive, Load: opt}
}

func printProfile(w io.Writer, p *features.Profile) {
	fmt.Fprintf(w, "%s: %d rows, %d feature columns\n", p.File, p.Rows, len(p.Columns))
	fmt.Fprintf(w, "target %q: positive = %q (%s), %d positives, rate %.4f\n\n", p.Target, p.Positive, p.Why, p.Positives, p.LabelRate)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "column\tkind\tmissing\tdistinct\tAUC\tsummary")
	for _, c := range p.Columns {
		summary := ""
		switch {
		case c.Numeric != nil:
			s := c.Numeric
			summary = fmt.Sprintf("min %.4g  median %.4g  max %.4g  mean %.4g  std %.4g  skew %.2f", s.Min, s.Quantiles.P50, s.Max, s.Mean, s.Std, s.Skew)
			if s.Infinite > 0 {
				summary += fmt.Sprintf("  (%d infinite values left out)", s.Infinite)
			}
		case c.Dates != nil:
			summary = fmt.Sprintf("from %s to %s, median %s", c.Dates.Min, c.Dates.Max, c.Dates.Median)
		case c.Text != nil:
			summary = fmt.Sprintf("%.0f chars, %.0f words on average; longest %d chars", c.Text.MeanChars, c.Text.MeanWords, c.Text.MaxChars)
		case len(c.Top) > 0:
			var parts []string
			for i, l := range c.Top {
				if i == 3 {
					break
				}
				parts = append(parts, fmt.Sprintf("%s %.0f%%", clip(l.Value, 20), 100*l.Share))
			}
			summary = strings.Join(parts, ", ")
		}
		auc := fmt.Sprintf("%.3f", c.AUC)
		if c.AUC == 0 {
			auc = "-"
		}
		if c.Leak {
			auc += " LEAK?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t%d\t%s\t%s\n", clip(c.Name, maxNameWidth), c.Kind, 100*c.MissingRate, c.Distinct, auc, summary)
	}
	tw.Flush()
	if len(p.Leaks) > 0 {
		fmt.Fprintf(w, "\nwarning: these columns alone separate the label almost perfectly (single-column AUC ≥ %.2f) and may leak it: %s\n", features.LeakAUC, strings.Join(clipAll(p.Leaks, maxNameWidth), ", "))
	}
	if len(p.Unused) > 0 {
		fmt.Fprintln(w, "\nnot used as raw features:")
		for _, u := range p.Unused {
			fmt.Fprintf(w, "  %s: %s\n", clip(u.Name, maxNameWidth), u.Reason)
		}
	}
}

// maxNameWidth bounds a column name in the profile's table, so that one very
// long name does not pad every line to its width.
const maxNameWidth = 40

// printWarnings prints loading warnings (values read as missing, ...) to w.
func printWarnings(w io.Writer, ws []features.Warning) {
	for _, x := range ws {
		fmt.Fprintf(w, "warning: %s\n", x.Message)
	}
}

func clipAll(names []string, n int) []string {
	out := make([]string, len(names))
	for i, s := range names {
		out[i] = clip(s, n)
	}
	return out
}

func clip(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
