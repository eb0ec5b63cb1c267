package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/planner"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

func dbFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("NIGHTSHIFT_DB")
	if def == "" {
		def = "nightshift.db"
	}
	return fs.String("db", def, "journal file (env NIGHTSHIFT_DB)")
}

type runFlags struct {
	db, study, metric, planner, timeCol, task, holdoutSplit, screen string
	budget, trialTimeout, grace, patience                           time.Duration
	maxTrials, workers, folds                                       int
	holdout                                                         float64
	seed                                                            uint64
	allowDataChange, asJSON, dryRun, costAware, gbdtQuantized       bool
	racing                                                          bool
	memoryMB                                                        int64
	llm                                                             planner.LLMConfig
	llmTimeout                                                      time.Duration
	allowLeak                                                       listFlag
}

// registerLLM adds the --llm-* flags (used with --planner llm).
func (r *runFlags) registerLLM(fs *flag.FlagSet) {
	c := &r.llm
	fs.StringVar(&c.Model, "llm-model", "", "model name at the endpoint (e.g. gpt-4o-mini; for Azure the deployment name; for Ollama/vLLM the loaded model)")
	fs.StringVar(&c.BaseURL, "llm-base-url", "", "OpenAI-compatible endpoint (default OpenAI's; e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM or LiteLLM, http://localhost:8080/v1 for llama.cpp's server, https://NAME.openai.azure.com for Azure)")
	fs.StringVar(&c.APIType, "llm-api-type", "openai", "openai (also every OpenAI-compatible server), azure or azure_ad")
	fs.StringVar(&c.APIVersion, "llm-api-version", "", "Azure OpenAI api-version (e.g. 2024-08-01-preview)")
	fs.StringVar(&c.KeyEnv, "llm-key-env", planner.DefaultKeyEnv, "environment variable holding the API key (the key is never stored, logged or printed)")
	fs.IntVar(&c.TokenBudget, "llm-token-budget", 0, "the study's total LLM tokens, prompt and reply (0 = no limit); when spent the built-in planner goes on")
	fs.IntVar(&c.MaxTokens, "llm-max-tokens", 2000, "tokens per reply")
	fs.IntVar(&c.PromptTokens, "llm-prompt-tokens", 8000, "estimated tokens per request: older detail is dropped to fit, the rules never")
	fs.Float64Var(&c.Temperature, "llm-temperature", 0.7, "sampling temperature (not sent to reasoning models: o1, o3, o4, gpt-5)")
	durationVar(fs, &r.llmTimeout, "llm-timeout", 2*time.Minute, false, "one HTTP attempt's `duration` before it times out (429, 5xx and timeouts are retried with backoff)")
	fs.IntVar(&c.Proposals, "llm-proposals", 3, "hypotheses asked for per call")
	fs.IntVar(&c.TuneTrials, "llm-tune-trials", 8, "trials per accepted hypothesis: its clean test, then TPE over the parameters it names")
	fs.BoolVar(&r.dryRun, "dry-run", false, "with --planner llm: print the first prompt and the JSON schema, send nothing, create no study")
}

func (r *runFlags) registerSession(fs *flag.FlagSet) {
	r.db = ""
	durationVar(fs, &r.grace, "grace", 30*time.Second, true, "after Ctrl-C, how long running trials may finish before they are abandoned (a `duration`)")
	fs.BoolVar(&r.allowDataChange, "allow-data-change", false, "continue a study although its data file changed")
	fs.BoolVar(&r.asJSON, "json", false, "print the summary as JSON")
}

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("run", e.stderr)
	var d dataFlags
	d.register(fs)
	var r runFlags
	db := dbFlag(fs)
	fs.StringVar(&r.study, "study", "", "study name (default: derived from the data file); an existing study is continued")
	fs.StringVar(&r.task, "task", "", "what the model is for, in words (shown to the LLM planner and in the report)")
	fs.StringVar(&r.metric, "metric", "auc", "what to optimise: auc, pr_auc or logloss")
	durationVar(fs, &r.budget, "budget", 0, false, "wall-clock budget, a `duration` such as 8h or 10m (default 10m when --max-trials is not given)")
	fs.IntVar(&r.maxTrials, "max-trials", 0, "stop after this many trials (0 = no limit)")
	durationVar(fs, &r.patience, "patience", 0, false, "end the study when the incumbent (which changes only on a confirmed win) has not changed for this `duration` of search time (default: off)")
	fs.IntVar(&r.workers, "workers", 0, "trials run at once (0 = one single-threaded trial per core while that many trials' estimated memory fits in --memory-mb, else fewer with the cores split between them)")
	fs.StringVar(&r.planner, "planner", "builtin", "builtin, random or llm (an OpenAI-compatible model proposes hypotheses; see the --llm-* flags)")
	fs.BoolVar(&r.costAware, "cost-aware", false, "the builtin planner's TPE proposes by expected improvement per predicted second, its cost model learned from the study's trial times (off by default: not yet shown to help)")
	fs.BoolVar(&r.racing, "racing", false, "once a quarter of the budget is used, spend up to 30% of the trial time re-evaluating the 5 leading specs on further fold splits (up to 4), dropping one once the leader is significantly better on the folds both ran; a spec's score pools its splits (off by default until an A/B shows it pays)")
	fs.BoolVar(&r.gbdtQuantized, "gbdt-quantized", true, "every GBDT trial trains with quantized gradients (use_quantized_grad=true num_grad_quant_bins=16 quant_train_renew_leaf=true, in each trial's spec; the final model's members keep them); fixed at creation (on by default; --gbdt-quantized=false trains with exact gradients)")
	fs.Float64Var(&r.holdout, "holdout", 0.2, "fraction of rows set aside, never seen by the search")
	fs.StringVar(&r.holdoutSplit, "holdout-split", "stratified", "holdout draw: stratified (seeded) or modulo (row i when i % round(1/holdout) is last: the peer benchmarks' split)")
	fs.IntVar(&r.folds, "folds", 0, "cross-validation folds on the search part (0 = 5, or 3 from 200,000 search rows up)")
	fs.StringVar(&r.screen, "screen", "auto", "screening rung before the folds: auto (from 200,000 search rows up), off, or the share of fold 1's rows it uses")
	fs.StringVar(&r.timeCol, "time-col", "", "time column: the holdout is the latest rows and folds are time-ordered")
	fs.Uint64Var(&r.seed, "seed", 42, "seed for the holdout, the folds and the planner")
	durationVar(fs, &r.trialTimeout, "trial-timeout", 30*time.Minute, false, "a trial running longer than this `duration` fails")
	fs.Int64Var(&r.memoryMB, "memory-mb", 0, "refuse trials estimated above this memory (0 = half of the machine's memory)")
	fs.Var(&r.allowLeak, "allow-leak", "keep a column the profile flags as a leak (single-column AUC ≥ 0.99) as a feature; repeatable or comma-separated, fixed at creation (default: such columns are left out, and said so)")
	r.registerSession(fs)
	r.registerLLM(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := d.check(); err != nil {
		return err
	}
	if err := r.checkCounts("no limit", true); err != nil {
		return err
	}
	if r.study == "" {
		r.study = defaultStudyName(d.data)
	}
	budget := r.budget
	if budget == 0 && r.maxTrials == 0 {
		budget = 10 * time.Minute
	}
	cfg := newStudyConfig(d, &r, budget)
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if r.dryRun {
		if r.planner != "llm" {
			return usagef("--dry-run shows the LLM planner's first prompt: give --planner llm")
		}
		return printDryRun(ctx, e, cfg)
	}
	return runSession(ctx, e, *db, experiment.RunOptions{Study: r.study, Config: cfg, AllowDataChange: r.allowDataChange,
		Budget: r.budget, MaxTrials: r.maxTrials}, r)
}

// newStudyConfig is the configuration run's flags give a new study
// (fixed at creation; Validate checks it).
func newStudyConfig(d dataFlags, r *runFlags, budget time.Duration) experiment.StudyConfig {
	spec := d.tableSpec()
	cfg := experiment.StudyConfig{Config: studyview.Config{
		Data: d.data, Target: d.target, Positive: d.positive, Load: spec.Load, Task: r.task, Metric: r.metric,
		Holdout: r.holdout, HoldoutSplit: r.holdoutSplit, Folds: r.folds, Screen: r.screen, TimeCol: r.timeCol, Seed: r.seed, Planner: r.planner, Workers: r.workers,
		Budget: experiment.Duration(budget), MaxTrials: r.maxTrials, TrialTimeout: experiment.Duration(r.trialTimeout),
		MemoryBudget: memoryBudget(r.memoryMB), AllowLeaks: r.allowLeak,
	}}
	cfg.CostAware = r.costAware
	cfg.Racing = r.racing
	if r.gbdtQuantized {
		cfg.GBDTQuantized, cfg.GBDTParams = true, experiment.QuantizedGBDTParams()
	}
	cfg.Patience = experiment.Duration(r.patience)
	if r.planner == "llm" {
		llm := r.llm
		llm.TimeoutSeconds = r.llmTimeout.Seconds()
		cfg.LLM = &llm
	}
	return cfg
}

// printDryRun prints the LLM planner's first prompt for cfg, its JSON
// schema and its token count by section; nothing is sent.
func printDryRun(ctx context.Context, e *env, cfg experiment.StudyConfig) error {
	dr, err := experiment.DryRun(ctx, cfg)
	if err != nil {
		return err
	}
	p := dr.Prompt
	fmt.Fprintf(e.stdout, "%s\n=== JSON schema (response_format json_schema, strict) ===\n%s\n", p.Text(), p.Schema)
	fmt.Fprintf(e.stdout, "=== estimated tokens: %d of --llm-prompt-tokens %d (%d items compacted away) ===\n", p.Tokens(), cfg.LLM.WithDefaults().PromptTokens, p.Dropped)
	for _, name := range dr.Sections {
		fmt.Fprintf(e.stdout, "  %-12s %6d tokens  %5.1f%%\n", name, p.Shares[name], 100*float64(p.Shares[name])/float64(p.Tokens()))
	}
	return nil
}

func runResume(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("resume", e.stderr)
	var r runFlags
	db := dbFlag(fs)
	fs.StringVar(&r.study, "study", "", "study to continue (required)")
	durationVar(fs, &r.budget, "budget", 0, false, "a new budget for this session, a `duration` such as 2h (default: what is left of the stored one)")
	fs.IntVar(&r.maxTrials, "max-trials", 0, "a new trial limit for this session (default: what is left)")
	r.registerSession(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if r.study == "" {
		return usagef("--study NAME is required")
	}
	if err := r.checkCounts("what is left", false); err != nil {
		return err
	}
	if err := mustExistJournal(*db); err != nil {
		return err
	}
	return runSession(ctx, e, *db, experiment.RunOptions{Study: r.study, Resume: true, AllowDataChange: r.allowDataChange,
		Budget: r.budget, MaxTrials: r.maxTrials}, r)
}

func runSession(ctx context.Context, e *env, db string, opts experiment.RunOptions, r runFlags) error {
	opts.DB = db
	opts.Stop = e.stop
	opts.Grace = r.grace
	opts.Progress = e.stderr
	opts.Live = e.stderrIsTerminal
	sum, err := experiment.Run(ctx, opts)
	if sum != nil {
		printSummary(e.stdout, db, sum, r.asJSON)
	}
	if errors.Is(err, experiment.ErrInterrupted) {
		fmt.Fprintf(e.stderr, "nightshift: study %s interrupted; nothing finished is lost. Continue with: nightshift resume --study %s --db %s\n", opts.Study, opts.Study, db)
		return exitError{exitInterrupted, err}
	}
	return err
}

func printSummary(w io.Writer, db string, sum *experiment.RunSummary, asJSON bool) {
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		return
	}
	defer j.Close()
	rows, err := studyview.ReadTrials(j, sum.Study)
	if err != nil {
		return
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		leaks := sum.Leaks
		if leaks == nil {
			leaks = []features.LeakDecision{}
		}
		enc.Encode(map[string]any{"study": sum.Study, "stop_reason": sum.StopReason, "elapsed_seconds": sum.Elapsed.Seconds(),
			"workers": sum.Workers, "threads": sum.Threads, "leaks": leaks, "trials": rows})
		return
	}
	fmt.Fprintf(w, "study %s: %s after %s (%d workers × %d threads)\n", sum.Study, sum.StopReason, sum.Elapsed.Round(time.Second), sum.Workers, sum.Threads)
	printLeaderboard(w, rows, 10)
}

// printLeaderboard prints the best top rows (all when top is 0) and the
// study's pick, marked *, also when it ranks below them by mean.
func printLeaderboard(w io.Writer, rows []studyview.TrialRow, top int) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "trial\tstate\tscore\t± std\tmodel\tseconds\tfeatures\tparams\twhy")
	pick := false
	for i, r := range rows {
		if top > 0 && i >= top && !r.Pick {
			continue
		}
		score, std := "-", "-"
		if r.ScoreFolds > 0 {
			score = fmt.Sprintf("%.4f", float64(r.Score))
			if !math.IsNaN(float64(r.Std)) { // one fold has no spread
				std = fmt.Sprintf("%.4f", float64(r.Std))
			}
			if r.State == "pruned" {
				score += fmt.Sprintf(" (%d folds)", r.ScoreFolds)
			}
		}
		id := fmt.Sprintf("#%d", r.ID)
		if r.Pick {
			id, pick = id+" *", true
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n", id, r.State, score, std, r.Model, r.Seconds, clip(orNone(r.Features), 60), clip(paramsText(r.Params), 80), whyText(r))
	}
	tw.Flush()
	if pick {
		fmt.Fprintln(w, pickNote)
	}
}

// whyText is why a trial ran, and for a spec whose score pools several
// fold splits, how many ("-" for journals from before reasons).
func whyText(r studyview.TrialRow) string {
	why := r.Reason
	if why == "" {
		why = "-"
	}
	if r.Splits > 1 {
		why += fmt.Sprintf(" [score pools %d splits]", r.Splits)
	}
	return why
}

// pickNote explains the * every leaderboard puts on the study's pick.
const pickNote = "* the study's pick: the best CV mean − SE, which status names as best and holdout scores first"

func orNone(s string) string {
	if s == "" {
		return "(base columns)"
	}
	return s
}

func paramsText(p map[string]string) string {
	return experiment.TrialSpec{Params: p}.ParamsString()
}

func defaultStudyName(data string) string {
	base := data
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	var b strings.Builder
	for _, r := range base {
		if r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "study"
	}
	return b.String()
}

// memoryBudget is --memory-mb in bytes, or half of the machine's memory.
func memoryBudget(mb int64) int64 {
	if mb > 0 {
		return mb << 20
	}
	data, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		var kb int64
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%d", &kb)
			}
		}
		if kb > 0 {
			return kb << 10 / 2
		}
	}
	return 4 << 30
}

func runStatus(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("status", e.stderr)
	db := dbFlag(fs)
	study := fs.String("study", "", "one study (default: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	j, err := studyview.OpenReadOnly(*db)
	if err != nil {
		return err
	}
	defer j.Close()
	var names []string
	if *study != "" {
		names = []string{*study}
	} else {
		studies, err := j.ListStudies()
		if err != nil {
			return err
		}
		for _, s := range studies {
			names = append(names, s.Name)
		}
	}
	var out []*studyview.Status
	for _, n := range names {
		st, err := studyview.ReadStatus(j, n)
		if err != nil {
			return err
		}
		out = append(out, st)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if *study != "" {
			return enc.Encode(out[0])
		}
		if out == nil {
			out = []*studyview.Status{}
		}
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintf(e.stdout, "no studies in %s\n", *db)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "study\tstate\tdone\tfailed\tpruned\trunning\tinterrupted\tbest\telapsed\tplanner\tdata")
	for _, s := range out {
		best := "-"
		if s.Best != nil {
			best = fmt.Sprintf("%s %.4f ± %.4f (#%d)", s.Metric, float64(s.Best.Score), float64(s.Best.Std), s.Best.Trial)
		}
		state := s.State
		if s.Writer != "" {
			state += " (" + s.Writer + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", s.Study, state, s.Trials.Done, s.Trials.Failed, s.Trials.Pruned,
			s.Trials.Running, s.Trials.Interrupted, best, (time.Duration(s.Elapsed) * time.Second).Round(time.Second), plannerCell(s), s.Data)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range out {
		printStatusNotes(e.stdout, s)
	}
	return nil
}

// printStatusNotes prints the lines status adds below the table for one
// study: why it ended, since when it has not improved, the LLM circuit
// breaker and the holdout verdict.
func printStatusNotes(w io.Writer, s *studyview.Status) {
	if s.Reason != "" {
		fmt.Fprintf(w, "%s: %s\n", s.Study, s.Reason)
	}
	if s.ImprovedAt != nil {
		fmt.Fprintf(w, "%s: no significant improvement since %s\n", s.Study, clockSince(*s.ImprovedAt, time.Now()))
	}
	if s.LLMCircuit != "" {
		fmt.Fprintf(w, "%s: LLM circuit breaker: %s\n", s.Study, s.LLMCircuit)
	}
	if v := s.Holdout.Verdict; v != nil {
		if v.Final == "" { // a legacy read: how the model was built was not journaled
			v.Final = "model"
		}
		fmt.Fprintf(w, "%s: holdout verdict (read %d, %s of %s): %s %.4f ± %.4f; %s\n", s.Study, v.Read, v.Final, v.Trials, v.Metric, float64(v.Score), float64(v.SE), s.Holdout.Note)
	}
}

// plannerCell is the planner, with the LLM tokens the journal records.
func plannerCell(s *studyview.Status) string {
	if s.LLMTokens > 0 {
		return fmt.Sprintf("%s (%d tokens)", s.Planner, s.LLMTokens)
	}
	return s.Planner
}

func runTrials(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("trials", e.stderr)
	db := dbFlag(fs)
	study := fs.String("study", "", "study (required)")
	top := fs.Int("top", 0, "only the K best (0 = all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *study == "" {
		return usagef("--study NAME is required")
	}
	if *top < 0 {
		return usagef("--top %d: want the number of best trials to show, or 0 for all", *top)
	}
	j, err := studyview.OpenReadOnly(*db)
	if err != nil {
		return err
	}
	defer j.Close()
	rows, err := studyview.ReadTopTrials(j, *study, *top)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printLeaderboard(e.stdout, rows, 0)
	return nil
}

func runHoldout(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("holdout", e.stderr)
	db := dbFlag(fs)
	study := fs.String("study", "", "study (required)")
	top := fs.Int("top", 3, "score the K best trials")
	threads := fs.Int("threads", 0, "threads (0 = all cores)")
	final := fs.String("final", experiment.FinalEnsemble, "the final model: ensemble (the best trials' bags, weighted by greedy selection on their out-of-fold predictions; scored first, then the --top trials' bags), bag (a trial's K fold models, averaged: what its CV score measured) or refit (trained once on the whole search part)")
	cands := fs.Int("ensemble", 8, "ensemble: at most this many trials are candidates (the best by CV)")
	share := fs.Float64("ensemble-cost", 0.25, "ensemble: the candidates' summed CV time may be at most this share of all the study's trial time (the leader always a candidate)")
	asJSON := fs.Bool("json", false, "print JSON")
	var asOf time.Duration
	durationVar(fs, &asOf, "as-of", 0, true, "score what the study would have chosen and built after this much search time (summed over its sessions; only trials finished by then count), "+durationForms+"; always journaled as a re-read, never the verdict")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *study == "" {
		return usagef("--study NAME is required")
	}
	if *final != experiment.FinalEnsemble && *final != experiment.FinalBag && *final != experiment.FinalRefit {
		return usagef("--final %q: want ensemble, bag or refit", *final)
	}
	if *top < 0 || (*top == 0 && *final != experiment.FinalEnsemble) {
		return usagef("--top %d: want the number of best trials to score, at least 1 (0 only with --final ensemble: the ensemble alone)", *top)
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
	if err := j.Announce(*study, "holdout"); err != nil {
		return err
	}
	res, err := experiment.ScoreHoldout(ctx, j, *study, experiment.HoldoutOptions{
		Top: *top, Threads: *threads, Final: *final,
		Ensemble: experiment.EnsembleOptions{Candidates: *cands, CostShare: *share},
		Command:  commandLine("holdout", args),
		AsOf:     asOf,
	})
	if err != nil {
		if *asJSON && errors.Is(err, experiment.ErrNoFinishedTrial) {
			writeJSON(e.stdout, map[string]any{"study": *study, "error": err.Error(), "reason": "no_finished_trial", "scores": []any{}})
		}
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"study": *study, "read": res.Read.ID, "standing": res.Read.Standing, "repeat_of": res.Read.RepeatOf,
			"as_of_seconds": asOf.Seconds(), "trials": res.Trials, "reads": len(res.Reads), "note": studyview.HoldoutNote(res.Reads), "scores": res.Scores})
	}
	return printHoldout(e.stdout, res, asOf)
}

// printHoldout prints a holdout read as a table: the final model and the
// top trials' bags (the pick marked), the ensemble's weights, and the
// read's standing.
func printHoldout(w io.Writer, res *experiment.HoldoutResult, asOf time.Duration) error {
	if asOf > 0 {
		fmt.Fprintf(w, "as of %s of search (only the trials finished by then): a re-read, never the verdict\n", asOf)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tCV\t± std\tholdout AUC\t± SE\tPR AUC\tlog loss\tBrier")
	pick := false
	for _, s := range res.Scores {
		h := s.Holdout
		name := fmt.Sprintf("#%d %s", s.Trial, s.Final)
		if s.Final == experiment.FinalEnsemble {
			name = "ensemble"
		}
		if s.Pick {
			name, pick = name+" *", true
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n", name, float64(s.CV), float64(s.CVStd), h.AUC, h.AUCStdErr, h.PRAUC, h.LogLoss, h.Brier)
	}
	for _, s := range res.Scores {
		if s.Final == experiment.FinalEnsemble {
			fmt.Fprintf(tw, "ensemble weights: %s\n", experiment.DescribeParts(s.Parts))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if pick {
		fmt.Fprintln(w, pickNote)
	}
	fmt.Fprintf(w, "holdout read %d (%s): %s\n", res.Read.ID, standingText(res.Read), studyview.HoldoutNote(res.Reads))
	return nil
}

// standingText is a read's standing in words.
func standingText(r journal.HoldoutRead) string {
	switch r.Standing {
	case journal.ReadVerdict:
		return "the verdict"
	case journal.ReadRepeat:
		return fmt.Sprintf("a repeat of read %d", r.RepeatOf)
	}
	return "a re-read"
}

// commandLine is the command as typed, for the journal: arguments with
// spaces or quotes are quoted.
func commandLine(name string, args []string) string {
	parts := []string{"nightshift", name}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// clockSince says when the incumbent last changed: HH:MM when that was
// today, with the date before it otherwise (a study resumed over several
// nights; with the year when that was another year), in local time.
func clockSince(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	switch y, m, d := t.Date(); {
	case y == now.Year() && m == now.Month() && d == now.Day():
		return t.Format("15:04")
	case y == now.Year():
		return t.Format("Jan 2 15:04")
	}
	return t.Format("2006-01-02 15:04")
}
