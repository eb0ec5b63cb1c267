package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/gate"
	"github.com/nightshift-ml/nightshift/experiment/promote"
	"github.com/nightshift-ml/nightshift/experiment/registry"
	"github.com/nightshift-ml/nightshift/journal"
)

func registryFlag(fs *flag.FlagSet) *string {
	return fs.String("registry", "models", "the model registry directory")
}

func runPromote(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("promote", e.stderr)
	db := dbFlag(fs)
	reg := registryFlag(fs)
	study := fs.String("study", "", "study (required)")
	name := fs.String("name", "", "the model's name in the registry (default: the study's)")
	final := fs.String("final", "", "the model to promote: ensemble (default), bag or refit, as holdout builds it")
	trial := fs.Uint64("trial", 0, "promote this trial's bag (or refit with --final refit) instead of the study's final model")
	gateName := fs.String("gate", gate.Better, "better (the challenger's holdout score is higher than the champion's, one-sided 90%) or not-worse (its lower 90% bound is above −margin)")
	margin := fs.Float64("margin", 0.005, "not-worse: how much worse than the champion the challenger may be")
	force := fs.Bool("force", false, "publish even when the gate refuses (needs --reason)")
	reason := fs.String("reason", "", "why: recorded with the version and in the alias history (required with --force)")
	threads := fs.Int("threads", 0, "threads (0 = all cores)")
	cands := fs.Int("ensemble", 8, "ensemble: at most this many trials are candidates")
	share := fs.Float64("ensemble-cost", 0.25, "ensemble: the candidates' summed CV time as a share of all trial time")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *study == "":
		return usagef("--study NAME is required")
	case *gateName != gate.Better && *gateName != gate.NotWorse:
		return usagef("--gate %q: want better or not-worse", *gateName)
	case !(*margin >= 0 && *margin < 1):
		return usagef("--margin %v: want a number from 0 to 1", *margin)
	case *force && strings.TrimSpace(*reason) == "":
		return usagef("--force needs --reason TEXT (it is recorded with the version and in the alias history)")
	case *name != "" && registry.CheckName(*name) != nil:
		return usagef("--name %v", registry.CheckName(*name))
	}
	if err := checkFinalFlags(*threads, *cands, *share); err != nil {
		return err
	}
	if *threads == 0 {
		*threads = runtime.GOMAXPROCS(0)
	}
	if err := mustExistJournal(*db); err != nil {
		return err
	}
	j, err := journal.Open(*db, journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer j.Close()
	res, err := promote.Promote(ctx, j, *study, promote.Options{
		Registry: registry.Open(*reg), Name: *name, Final: *final, Trial: *trial,
		Ensemble: experiment.EnsembleOptions{Candidates: *cands, CostShare: *share}, Threads: *threads,
		Gate: *gateName, Margin: *margin, Force: *force, Reason: strings.TrimSpace(*reason),
		Command: commandLine("promote", args),
	})
	var refusal *promote.GateRefusal
	if errors.As(err, &refusal) {
		if *asJSON && res != nil {
			writeJSON(e.stdout, map[string]any{"published": false, "result": res, "refused": refusal.Error()})
		} else if res != nil {
			printPromotion(e, res)
		}
		return exitError{code: exitGate, err: err}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"published": true, "result": res})
	}
	printPromotion(e, res)
	return nil
}

func printPromotion(e *env, res *promote.Result) {
	h := res.Challenger.Holdout
	fmt.Fprintf(e.stdout, "challenger: %s of %s — holdout AUC %.4f ± %.4f, PR AUC %.4f, log loss %.4f (%d rows)\n",
		res.Challenger.Final, experiment.DescribeParts(res.Challenger.Parts), h.AUC, h.AUCStdErr, h.PRAUC, h.LogLoss, h.Rows)
	switch {
	case res.Champion == "":
		fmt.Fprintln(e.stdout, "no champion yet: the first version needs no gate")
	case res.Gate != nil:
		fmt.Fprintf(e.stdout, "against champion %s: %s\n", res.Champion, res.Gate)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	if res.Version != "" {
		forced := ""
		if res.Forced {
			forced = " (forced)"
		}
		fmt.Fprintf(e.stdout, "published %s/%s%s as champion: %s\n", res.Name, res.Version, forced, res.Dir)
	}
}

func runModels(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("models", e.stderr)
	reg := registryFlag(fs)
	only := fs.String("name", "", "list this name only")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r := registry.Open(*reg)
	names, err := r.Names()
	if err != nil {
		return err
	}
	out, err := listModels(r, names, *only)
	if err != nil {
		return err
	}
	if *only != "" && len(out) == 0 {
		return fmt.Errorf("no model %q in registry %s (names: %s)", *only, *reg, strings.Join(names, ", "))
	}
	if *asJSON {
		if out == nil {
			out = []registeredName{}
		}
		return writeJSON(e.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintf(e.stdout, "registry %s holds no models\n", *reg)
		return nil
	}
	printModels(e.stdout, out)
	return nil
}

// registeredName is a registered name as `models` lists it.
type registeredName struct {
	Name     string             `json:"name"`
	Aliases  map[string]string  `json:"aliases"`
	Versions []registry.Version `json:"versions"`
	History  []registry.Move    `json:"history"`
}

// listModels reads each name's versions and aliases (the name only, when
// only is set), without the versions' holdout row numbers.
func listModels(r *registry.Registry, names []string, only string) ([]registeredName, error) {
	var out []registeredName
	for _, n := range names {
		if only != "" && n != only {
			continue
		}
		vs, err := r.Versions(n)
		if err != nil {
			return nil, err
		}
		a, err := r.Aliases(n)
		if err != nil {
			return nil, err
		}
		for i := range vs {
			vs[i].Meta.HoldoutRows = nil // thousands of row numbers: in version.json
		}
		out = append(out, registeredName{Name: n, Aliases: a.Aliases, Versions: vs, History: a.History})
	}
	return out, nil
}

// printModels prints each name's versions as a table, then its aliases'
// history.
func printModels(stdout io.Writer, out []registeredName) {
	for _, n := range out {
		fmt.Fprintf(stdout, "%s\n", n.Name)
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  version\taliases\tcreated\tstudy\tfinal\tmetric\tholdout\t± SE\tnote")
		for _, v := range n.Versions {
			m := v.Meta
			aliases := strings.Join(v.Aliases, ",")
			if aliases == "" {
				aliases = "(unaliased)"
			}
			fig := m.Metrics[m.Metric]
			note := ""
			if m.Forced {
				note = "forced: " + m.Reason
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%.4f\t%.4f\t%s\n", registry.VersionName(m.Version), aliases, m.Created.Format("2006-01-02 15:04"), m.Study, m.Final, m.Metric, fig.Value, fig.SE, note)
		}
		tw.Flush()
		if len(n.History) > 0 {
			fmt.Fprintln(stdout, "  history:")
			for _, h := range n.History {
				from := h.From
				if from == "" {
					from = "(new)"
				}
				forced := ""
				if h.Forced {
					forced = " [forced]"
				}
				fmt.Fprintf(stdout, "    %s  %s: %s → %s%s  %s\n", h.Time.Format("2006-01-02 15:04:05"), h.Alias, from, h.To, forced, h.Reason)
			}
		}
	}
}

func runAlias(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("alias", e.stderr)
	reg := registryFlag(fs)
	reason := fs.String("reason", "", "why the alias moves (required; recorded in the history)")
	all := args
	// NAME@ALIAS vK may come before the flags.
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos = append(pos, fs.Args()...)
	if len(pos) != 2 {
		return usagef("want: nightshift alias NAME@ALIAS vK --reason TEXT")
	}
	name, alias, ok := strings.Cut(pos[0], "@")
	if !ok || name == "" || alias == "" {
		return usagef("%q: want NAME@ALIAS, e.g. fraud@champion", pos[0])
	}
	if strings.TrimSpace(*reason) == "" {
		return usagef("--reason TEXT is required: it is recorded in the alias history")
	}
	r := registry.Open(*reg)
	before, err := r.Aliases(name)
	if err != nil {
		return err
	}
	if err := r.MoveAlias(ctx, name, pos[1], registry.AliasMove{Alias: alias, Reason: strings.TrimSpace(*reason), Command: commandLine("alias", all)}); err != nil {
		return err
	}
	from := before.Aliases[alias]
	if from == "" {
		from = "(none)"
	}
	fmt.Fprintf(e.stdout, "%s@%s: %s → %s\n", name, alias, from, pos[1])
	return nil
}
