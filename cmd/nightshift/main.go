// Command nightshift runs unattended ML experiments on a table with a
// binary label. See README.md for the commands; design.md for the contract.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// Exit codes (design.md): 0 ok, 1 failure, 2 usage, 3 contract violated,
// 4 promotion refused, 130 interrupted.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitContract    = 3
	exitGate        = 4
	exitInterrupted = 130
)

// usageError marks a problem with the command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// env is what a command runs with: its output streams and the channel
// closed at the first SIGINT/SIGTERM (a second one cancels the context).
type env struct {
	stdout, stderr io.Writer
	stop           <-chan struct{}
	// stderrIsTerminal selects the live progress line.
	stderrIsTerminal bool
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
	// graceful commands watch env.stop themselves; the others are
	// cancelled at the first signal.
	graceful bool
}

func commands() map[string]command {
	return map[string]command{
		"profile": {summary: "describe a table: column kinds, missing values, label rate, leaks", run: runProfile},
		"fit":     {summary: "train one model (gbdt or logreg) and print its validation metrics", run: runFit},
		"run":     {summary: "start a study (or continue one) and search until the budget is spent", run: runRun, graceful: true},
		"resume":  {summary: "continue a study with its stored configuration", run: runResume, graceful: true},
		"status":  {summary: "studies, or one study's progress", run: runStatus},
		"trials":  {summary: "a study's trials, best first", run: runTrials},
		"holdout": {summary: "score the study's final model (an ensemble of its best trials, or one trial's bag or refit) and its best trials once on the holdout", run: runHoldout},
		"compact": {summary: "give the journal's free pages back to the disk (a study does this when it ends)", run: runCompact},
		"promote": {summary: "publish the study's final model to the registry if it beats the champion on the holdout (DeLong's test for AUC)", run: runPromote},
		"predict": {summary: "score a file with a promoted model (its data contract checked first; exit 3 on a violation)", run: runPredict},
		"models":  {summary: "the registry's models: versions, aliases and their history", run: runModels},
		"alias":   {summary: "move an alias by hand (rollback): alias NAME@ALIAS vK --reason TEXT", run: runAlias},
		"check":   {summary: "check a data file against a promoted model's data contract (exit 3 on an error-level violation)", run: runCheck},
		"export":  {summary: "the whole study as one JSON document (config, profile, trials with times, rounds, events, holdout reads)", run: runExport},
		"report":  {summary: "write the morning report (DIR/report.ipynb and DIR/report.html) from the journal", run: runReport},
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		close(stop)
		<-sigs
		cancel()
	}()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stop: stop}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		e.stderrIsTerminal = true
	}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func run(ctx context.Context, e *env, args []string) int {
	stderr := e.stderr
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nightshift: unknown command %q\n", args[0])
		printUsage(stderr, cmds)
		return exitUsage
	}
	if !c.graceful {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-e.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	err := c.run(ctx, e, args[1:])
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "nightshift %s: %v\n", args[0], err)
	var locked *journal.LockedError
	if errors.As(err, &locked) {
		fmt.Fprintln(stderr, lockedHint(cmds, locked))
	}
	var ue usageError
	if errors.As(err, &ue) || experiment.IsOptionError(err) {
		return exitUsage
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	return exitFailure
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: nightshift COMMAND [flags]   (nightshift COMMAND -h for its flags)")
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("nightshift "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args and turns flag errors into usage errors; it also
// refuses stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	return nil
}

// listFlag collects a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// repeatFlag collects a repeatable flag without splitting on commas.
type repeatFlag []string

func (l *repeatFlag) String() string     { return strings.Join(*l, " ") }
func (l *repeatFlag) Set(s string) error { *l = append(*l, s); return nil }

// dataFlags are the flags every command that reads a table shares.
type dataFlags struct {
	data, target, positive                   string
	categorical, text, idCols, numeric, drop listFlag
	missing                                  string
	missingSet                               bool
	delimiter                                string
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", "", "input table (CSV or Parquet)")
	fs.StringVar(&d.target, "target", "", "label column (binary)")
	fs.StringVar(&d.positive, "positive", "", "label value counted as positive (default: 1/true/yes/spam/fraud/click, else the rarer class)")
	fs.Var(&d.categorical, "categorical", "columns to read as categorical (comma-separated, repeatable)")
	fs.Var(&d.text, "text", "columns to read as free text")
	fs.Var(&d.idCols, "id-col", "identifier columns (kept for output, never features)")
	fs.Var(&d.numeric, "numeric", "columns that must be numeric")
	fs.Var(&d.drop, "drop", "columns to ignore")
	fs.Func("missing", "comma-separated field values read as missing (default: empty,NA,NaN,null,None,?)", func(s string) error {
		d.missing, d.missingSet = s, true
		return nil
	})
	fs.StringVar(&d.delimiter, "delimiter", "", "CSV field delimiter: one character (, ; |) or tab (default: detected from the header line among comma, semicolon and tab)")
}

func (d *dataFlags) check() error {
	if d.data == "" {
		return usagef("--data FILE is required")
	}
	if d.target == "" {
		return usagef("--target COL is required")
	}
	if _, err := features.ParseDelimiter(d.delimiter); err != nil {
		return usagef("--%v", err)
	}
	return nil
}

// lockedHint tells a writer refused by a journal's run lock what it can do,
// naming only commands this build has.
func lockedHint(cmds map[string]command, e *journal.LockedError) string {
	var readers []string
	for _, n := range []string{"status", "trials", "export", "report"} {
		if _, ok := cmds[n]; ok {
			readers = append(readers, n)
		}
	}
	stop := "stop it with Ctrl-C in its terminal"
	if e.Holder.PID != 0 {
		stop = fmt.Sprintf("stop it (kill -INT %d lets its running trials finish)", e.Holder.PID)
	}
	return fmt.Sprintf("hint: wait for it to end, %s, or run this in a journal of its own: --db %s; meanwhile %s read %s.",
		stop, otherDB(e.Path), strings.Join(readers, ", "), e.Path)
}

// otherDB suggests a second journal's file name beside path.
func otherDB(path string) string {
	base := strings.TrimSuffix(path, ".db")
	return base + "-2.db"
}
