package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
)

// ErrInterrupted is returned when a run stopped on a signal; the study can
// be resumed.
var ErrInterrupted = errors.New("interrupted")

// ErrDataChanged is returned when a study's data file no longer matches the
// fingerprint taken when it began.
var ErrDataChanged = errors.New("data file changed since the study began")

// RunOptions configure one session of work on a study.
type RunOptions struct {
	DB    string
	Study string
	// Config is the configuration of a new study; ignored (but for Data, which
	// must then match) when the study exists.
	Config StudyConfig
	// Resume requires the study to exist.
	Resume          bool
	AllowDataChange bool
	// Budget and MaxTrials, when set, replace what is left of the stored
	// budget for this session.
	Budget    time.Duration
	MaxTrials int
	// Stop is closed to stop issuing trials (first SIGINT); running trials
	// may finish until Grace has passed, then ctx's cancellation (second
	// SIGINT) or the grace timer abandons them.
	Stop  <-chan struct{}
	Grace time.Duration
	// Progress receives progress lines; Live redraws one line (a terminal).
	Progress io.Writer
	Live     bool
	// Interval between progress lines when not Live.
	Interval time.Duration
}

// RunSummary is what a session did.
type RunSummary struct {
	Study       string
	Created     bool
	Trials      journal.TrialCounts
	Best        *journal.Trial
	StopReason  string
	Elapsed     time.Duration
	Workers     int
	Threads     int
	Interrupted bool
}

// Run starts or continues a study: it opens the journal, checks the data,
// restores or creates the study, and runs trials until the budget is spent,
// the trial limit is reached or it is stopped.
func Run(ctx context.Context, opts RunOptions) (*RunSummary, error) {
	j, err := journal.Open(opts.DB, journal.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	defer j.Close()
	sess, err := openSession(ctx, j, opts)
	if err != nil {
		return nil, err
	}
	return sess.run(ctx, opts)
}

type session struct {
	j         *journal.Journal
	name      string
	cfg       StudyConfig
	search    *Search
	planner   Planner
	created   bool
	requeue   []journal.Trial
	budget    time.Duration
	hasBudget bool // a wall-clock budget applies
	hasLimit  bool // a trial-count limit applies
	maxTrial  int
	workers   int
	threads   int

	mu         sync.Mutex
	trials     []journal.Trial // all trials of the study, by ID order
	seen       map[string]bool
	round      int
	incumbent  *journal.Trial
	running    int
	journalErr error         // a journal write failed: stop the run
	failed     chan struct{} // closed with journalErr
	started    time.Time
	lastLine   time.Time
}

func openSession(ctx context.Context, j *journal.Journal, opts RunOptions) (*session, error) {
	s := &session{j: j, name: opts.Study, seen: map[string]bool{}, failed: make(chan struct{})}
	st, err := j.GetStudy(opts.Study)
	switch {
	case err == nil:
		if err := json.Unmarshal(st.Config, &s.cfg); err != nil {
			return nil, fmt.Errorf("study %q: stored config unreadable: %w", opts.Study, err)
		}
		if st.ConfigVersion > ConfigVersion {
			return nil, fmt.Errorf("study %q: config version %d is newer than this nightshift (%d): %w", opts.Study, st.ConfigVersion, ConfigVersion, journal.ErrNewerSchema)
		}
		if opts.Config.Data != "" && !samePath(opts.Config.Data, s.cfg.Data) {
			return nil, fmt.Errorf("study %q was started on %s, not %s; name another study", opts.Study, s.cfg.Data, opts.Config.Data)
		}
		fp, err := journal.FingerprintFile(ctx, s.cfg.Data)
		if err != nil {
			return nil, fmt.Errorf("study %q: %w", opts.Study, err)
		}
		if !fp.Equal(st.Data) {
			if !opts.AllowDataChange {
				return nil, fmt.Errorf("%s: %w (was %s, now %s); run with --allow-data-change to continue on the new data", s.cfg.Data, ErrDataChanged, st.Data, fp)
			}
			if err := j.SetFingerprint(opts.Study, fp); err != nil {
				return nil, err
			}
		}
	case errors.Is(err, journal.ErrUnknownStudy):
		if opts.Resume {
			return nil, err
		}
		s.cfg = opts.Config
		if err := s.cfg.Validate(); err != nil {
			return nil, err
		}
		// Resume may run from another directory: keep the data's absolute path.
		if abs, err := filepath.Abs(s.cfg.Data); err == nil {
			s.cfg.Data = abs
		}
		s.created = true
	default:
		return nil, err
	}
	tab, err := LoadTable(TableSpec{Path: s.cfg.Data, Target: s.cfg.Target, Positive: s.cfg.Positive, Load: s.cfg.Load})
	if err != nil {
		return nil, err
	}
	if s.created {
		s.cfg.Positive = tab.Target.Positive
		if s.cfg.HoldoutRows, err = HoldoutRows(tab, s.cfg.Holdout, s.cfg.TimeCol, s.cfg.HoldoutSplit, s.cfg.Seed); err != nil {
			return nil, err
		}
	}
	if s.search, err = NewSearch(tab, s.cfg.HoldoutRows, &s.cfg); err != nil {
		return nil, err
	}
	if s.planner, err = NewPlanner(s.cfg.Planner); err != nil {
		return nil, err
	}
	if s.created {
		fp, err := journal.FingerprintFile(ctx, s.cfg.Data)
		if err != nil {
			return nil, err
		}
		cfgJSON, err := json.Marshal(s.cfg)
		if err != nil {
			return nil, err
		}
		profJSON, err := json.Marshal(s.search.Profile)
		if err != nil {
			return nil, err
		}
		if _, err := j.CreateStudy(journal.Study{Name: opts.Study, ConfigVersion: ConfigVersion, Config: cfgJSON, Data: fp, Profile: profJSON}); err != nil {
			return nil, err
		}
	}
	if s.requeue, err = j.MarkStaleRunningInterrupted(opts.Study); err != nil {
		return nil, err
	}
	if s.trials, err = j.ListTrials(opts.Study); err != nil {
		return nil, err
	}
	var requeue []journal.Trial
	for _, t := range s.trials {
		s.seen[t.SpecHash] = true
		if t.State == journal.TrialInterrupted {
			requeue = append(requeue, t)
		}
	}
	s.requeue = requeue
	if inc, ok := incumbentOf(s.cfg.Metric, s.trials); ok {
		s.incumbent = &inc
	}
	rounds, err := j.ListRounds(opts.Study)
	if err != nil {
		return nil, err
	}
	s.round = len(rounds)

	// This session's budget: a new one when given, else what is left.
	s.budget, s.maxTrial = time.Duration(s.cfg.Budget), s.cfg.MaxTrials
	if !s.created {
		events, err := j.ListEvents(opts.Study)
		if err != nil {
			return nil, err
		}
		s.budget -= spentBefore(events, s.trials)
		if s.maxTrial > 0 {
			s.maxTrial -= countFinished(s.trials)
		}
	}
	if opts.Budget > 0 {
		s.budget = opts.Budget
	}
	if opts.MaxTrials > 0 {
		s.maxTrial = opts.MaxTrials
	}
	s.hasBudget = s.cfg.Budget > 0 || opts.Budget > 0
	s.hasLimit = s.cfg.MaxTrials > 0 || opts.MaxTrials > 0
	s.workers, s.threads = poolShape(s.cfg.Workers, s.search.Frame.Rows, len(s.search.base.Features))
	return s, nil
}

// poolShape chooses how to use the cores. Small data: one trial per core,
// single-threaded (a trial cannot keep two cores busy). Large data (≥ 2M
// cells in the search part): one trial at a time using every core, so
// memory holds one trial's data and a trial finishes sooner. --workers N
// overrides it, splitting the cores between N trials.
func poolShape(workers, rows, cols int) (int, int) {
	cores := runtime.GOMAXPROCS(0)
	if workers > 0 {
		return workers, max(1, cores/workers)
	}
	if rows*max(cols, 1) >= 2_000_000 {
		return 1, cores
	}
	return cores, 1
}

func countFinished(ts []journal.Trial) int {
	n := 0
	for _, t := range ts {
		switch t.State {
		case journal.TrialDone, journal.TrialFailed, journal.TrialPruned:
			n++
		}
	}
	return n
}

// spentBefore adds up earlier sessions' wall time: from each start or
// resume event to the session's end event, or, for a session that died,
// to the last trial it finished.
func spentBefore(events []journal.Event, trials []journal.Trial) time.Duration {
	var total time.Duration
	for i, e := range events {
		if e.Kind != journal.EventStart && e.Kind != journal.EventResume {
			continue
		}
		end := e.Time
		next := time.Time{}
		for _, f := range events[i+1:] {
			if f.Kind == journal.EventStart || f.Kind == journal.EventResume {
				next = f.Time
				break
			}
			if f.Time.After(end) {
				end = f.Time
			}
		}
		for _, t := range trials {
			if t.Finished.After(end) && (next.IsZero() || t.Finished.Before(next)) {
				end = t.Finished
			}
		}
		total += end.Sub(e.Time)
	}
	return total
}

// job is one trial to run: a new proposal or a re-queued interrupted trial.
type job struct {
	id         uint64
	spec       TrialSpec
	hypothesis string
	round      uint64
}

func (s *session) run(ctx context.Context, opts RunOptions) (*RunSummary, error) {
	s.started = time.Now()
	kind, msg := journal.EventStart, fmt.Sprintf("run: %d workers × %d threads, budget %s", s.workers, s.threads, s.budget.Round(time.Second))
	if !s.created {
		kind = journal.EventResume
		msg = fmt.Sprintf("resume: %d interrupted trials re-queued; %d workers × %d threads, budget %s", len(s.requeue), s.workers, s.threads, s.budget.Round(time.Second))
	}
	if _, err := s.j.AddEvent(s.name, journal.Event{Kind: kind, Message: msg}); err != nil {
		return nil, err
	}
	if err := s.j.SetStudyState(s.name, journal.StudyRunning); err != nil {
		return nil, err
	}
	s.progressf(opts, true, "study %s: %s", s.name, msg)

	deadline := s.started.Add(s.budget)
	hard, cancelHard := context.WithCancel(ctx)
	defer cancelHard()
	stopIssuing := make(chan struct{})
	var stopOnce sync.Once
	stopReason := ""
	stop := func(why string) {
		stopOnce.Do(func() {
			s.mu.Lock()
			stopReason = why
			s.mu.Unlock()
			close(stopIssuing)
		})
	}
	interrupted := false
	go func() {
		select {
		case <-opts.Stop:
			s.mu.Lock()
			interrupted = true
			s.mu.Unlock()
			stop("interrupted")
			select {
			case <-time.After(graceOf(opts)):
				cancelHard()
			case <-hard.Done():
			}
		case <-hard.Done():
			s.mu.Lock()
			interrupted = true
			s.mu.Unlock()
			stop("interrupted")
		}
	}()

	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 1; w <= s.workers; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for jb := range jobs {
				s.runTrial(hard, worker, jb, deadline, opts)
			}
		}(w)
	}
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	var queue []job
	for _, t := range s.requeue {
		var spec TrialSpec
		if err := json.Unmarshal(t.Spec, &spec); err == nil {
			queue = append(queue, job{id: t.ID, spec: spec, hypothesis: t.Hypothesis, round: t.Round})
		}
	}
	issued := 0
	var runErr error
loop:
	for {
		if s.hasBudget && !time.Now().Before(deadline) {
			stop("budget exhausted")
		}
		if s.hasLimit && issued >= s.maxTrial {
			stop("trial limit reached")
		}
		select {
		case <-stopIssuing:
			break loop
		default:
		}
		if len(queue) == 0 {
			props, err := s.plan(hard, 2*s.workers)
			if err != nil {
				runErr = err
				stop("planner failed")
				break loop
			}
			queue = props
			if len(queue) == 0 {
				stop("search space exhausted: the planner has nothing new to propose")
				break loop
			}
		}
		select {
		case jobs <- queue[0]:
			queue = queue[1:]
			issued++
		case <-stopIssuing:
			break loop
		case <-s.failed:
			stop("journal write failed")
			break loop
		case <-ticker.C:
			s.progressf(opts, false, "")
		}
	}
	close(jobs)
	wg.Wait()

	s.mu.Lock()
	wasInterrupted := interrupted
	reason := stopReason
	if s.journalErr != nil {
		runErr = s.journalErr
	}
	s.mu.Unlock()
	if runErr != nil && errors.Is(runErr, journal.ErrDiskFull) {
		// Writing the end-of-session records would fail the same way.
		return &RunSummary{Study: s.name, StopReason: "journal write failed", Elapsed: time.Since(s.started)}, runErr
	}
	sum := &RunSummary{Study: s.name, Created: s.created, StopReason: reason, Elapsed: time.Since(s.started), Workers: s.workers, Threads: s.threads, Interrupted: wasInterrupted}
	counts, err := s.j.CountTrials(s.name)
	if err != nil {
		return nil, err
	}
	sum.Trials = counts
	if s.incumbent != nil {
		best := *s.incumbent
		sum.Best = &best
	}
	endKind, state := journal.EventFinish, journal.StudyFinished
	switch {
	case wasInterrupted:
		endKind, state = journal.EventInterrupt, journal.StudyInterrupted
	case reason == "budget exhausted":
		endKind = journal.EventBudgetExhausted
	case runErr != nil:
		endKind, state = journal.EventError, journal.StudyInterrupted
	}
	msg = fmt.Sprintf("%s after %s: %d done, %d failed, %d pruned", reason, sum.Elapsed.Round(time.Second), counts.Done, counts.Failed, counts.Pruned)
	if _, err := s.j.AddEvent(s.name, journal.Event{Kind: endKind, Message: msg, Details: map[string]string{"elapsed_seconds": fmt.Sprintf("%.3f", sum.Elapsed.Seconds())}}); err != nil {
		return sum, err
	}
	if err := s.j.SetStudyState(s.name, state); err != nil {
		return sum, err
	}
	s.progressf(opts, true, "study %s: %s", s.name, msg)
	if runErr != nil {
		return sum, runErr
	}
	if wasInterrupted {
		return sum, ErrInterrupted
	}
	return sum, nil
}

// plan asks the planner for up to n proposals and journals the round.
func (s *session) plan(ctx context.Context, n int) ([]job, error) {
	s.mu.Lock()
	h := &History{Profile: s.search.Profile, Metric: s.cfg.Metric, Folds: len(s.search.Folds), Seen: map[string]bool{}, Round: s.round, Seed: s.cfg.Seed}
	for k := range s.seen {
		h.Seen[k] = true
	}
	for _, t := range s.trials {
		var spec TrialSpec
		if json.Unmarshal(t.Spec, &spec) != nil {
			continue
		}
		h.Trials = append(h.Trials, HistoryTrial{ID: t.ID, Spec: spec, State: t.State, Mean: t.Mean, Std: t.Std, FoldScores: t.FoldScores})
	}
	if s.incumbent != nil {
		h.Incumbent = s.incumbent.ID
	}
	s.mu.Unlock()

	start := time.Now()
	props, prompt, err := s.planner.Propose(ctx, h, n)
	round := journal.Round{Planner: s.planner.Name(), Prompt: prompt, Reply: proposalsJSON(props), Latency: time.Since(start)}
	if err != nil {
		round.Error = err.Error()
	}
	var out []Proposal
	for _, p := range props {
		reason := s.validate(p.Spec)
		jp := journal.Proposal{SpecHash: p.Spec.Hash(), Spec: p.Spec.CanonicalJSON(), Hypothesis: p.Hypothesis, Reason: reason}
		if reason != "" {
			round.Rejected = append(round.Rejected, jp)
			continue
		}
		round.Accepted = append(round.Accepted, jp)
		out = append(out, p)
	}
	id, jerr := s.j.AddRound(s.name, round)
	if jerr != nil {
		return nil, jerr
	}
	if err != nil {
		return nil, fmt.Errorf("planner %s: %w", s.planner.Name(), err)
	}
	s.mu.Lock()
	s.round++
	jobs := make([]job, 0, len(out))
	for _, p := range out {
		s.seen[p.Spec.Hash()] = true
		jobs = append(jobs, job{spec: p.Spec, hypothesis: p.Hypothesis, round: id})
	}
	s.mu.Unlock()
	return jobs, nil
}

// validate checks a proposal before it may run: spec schema, transform
// language against the search frame (columns, kinds, leaks, cost) and the
// memory budget. It returns the reason for rejecting it, or "".
func (s *session) validate(spec TrialSpec) string {
	norm, err := spec.Normalize()
	if err != nil {
		return err.Error()
	}
	if norm.Hash() != spec.Hash() {
		return "spec is not in canonical form"
	}
	s.mu.Lock()
	dup := false
	for _, t := range s.trials {
		if t.SpecHash == spec.Hash() {
			dup = true
		}
	}
	s.mu.Unlock()
	if dup {
		return "duplicate: this spec already ran in the study"
	}
	extra := int64(0)
	if spec.Features != "" {
		fs, err := s.search.featureSpec(spec.Features)
		if err != nil {
			return err.Error()
		}
		plan, err := dsl.Check(fs, s.search.Frame, dsl.CheckOptions{Leaks: s.search.Leaks})
		if err != nil {
			return err.Error()
		}
		extra = plan.Cost.Bytes
	}
	if est := s.memoryEstimate(extra); s.cfg.MemoryBudget > 0 && est > s.cfg.MemoryBudget {
		return fmt.Sprintf("estimated memory %d MiB exceeds the budget of %d MiB", est>>20, s.cfg.MemoryBudget>>20)
	}
	return ""
}

// memoryEstimate bounds one trial's memory: the fold's copies of the frame
// and the design (×3 of the base columns as float64), the binned columns,
// and the feature pipeline's own estimate, per concurrent worker.
func (s *session) memoryEstimate(extra int64) int64 {
	rows := int64(s.search.Frame.Rows)
	cols := int64(len(s.search.Frame.Columns))
	return (rows*cols*8*3 + rows*cols + extra*2) * int64(s.workers)
}

// graceOf is how long running trials may go on after a stop or the end of
// the budget.
func graceOf(opts RunOptions) time.Duration {
	if opts.Grace > 0 {
		return opts.Grace
	}
	return 30 * time.Second
}

// fail records the first journal write error; the run stops issuing trials
// and reports it (nothing journaled before it is lost).
func (s *session) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.journalErr == nil {
		s.journalErr = err
		close(s.failed)
	}
}

// runTrial runs one trial and journals its states. A panic inside becomes
// a failed trial with its stack.
func (s *session) runTrial(ctx context.Context, worker int, jb job, deadline time.Time, opts RunOptions) {
	t := journal.Trial{
		ID: jb.id, State: journal.TrialRunning, SpecHash: jb.spec.Hash(), Spec: jb.spec.CanonicalJSON(),
		Model: jb.spec.Model, Features: jb.spec.Features, Params: jb.spec.Params, Seed: int64(jb.spec.Seed),
		Metric: s.cfg.Metric, Worker: worker, Round: jb.round, Hypothesis: jb.hypothesis, Started: time.Now(),
	}
	id, err := s.j.PutTrial(s.name, t)
	if err != nil {
		s.fail(err)
		return
	}
	t.ID = id
	s.mu.Lock()
	s.running++
	// The pruner compares against every trial that reported folds, pruned
	// ones included (as Optuna's MedianPruner uses all intermediate values):
	// finished trials alone are the survivors, and their median would prune
	// nearly everything.
	var doneScores [][]float64
	for _, o := range s.trials {
		if o.State == journal.TrialDone || o.State == journal.TrialPruned {
			doneScores = append(doneScores, o.FoldScores)
		}
	}
	s.mu.Unlock()

	// A trial ends at its timeout, or at the end of the budget plus the
	// grace period, whichever comes first; one cut by the budget is
	// journaled interrupted, so resume runs it again.
	timeout := time.Duration(s.cfg.TrialTimeout)
	var limit time.Time
	if timeout > 0 {
		limit = t.Started.Add(timeout)
	}
	budgetEnd := time.Time{}
	if s.hasBudget {
		budgetEnd = deadline.Add(graceOf(opts))
		if limit.IsZero() || budgetEnd.Before(limit) {
			limit = budgetEnd
		}
	}
	tctx, cancel := context.WithCancel(ctx)
	if !limit.IsZero() {
		tctx, cancel = context.WithDeadline(ctx, limit)
	}
	out, err := s.evaluateSafely(tctx, jb.spec, doneScores, &t)
	timedOut := tctx.Err() == context.DeadlineExceeded
	cutByBudget := timedOut && !budgetEnd.IsZero() && !time.Now().Before(budgetEnd)
	cancel()
	t.Finished = time.Now()
	switch {
	case err == nil && out.Pruned:
		t.State, t.Error = journal.TrialPruned, out.PruneReason
	case err == nil:
		t.State = journal.TrialDone
	case ctx.Err() != nil:
		t.State, t.Error = journal.TrialInterrupted, "interrupted: the run stopped before the trial finished"
	case cutByBudget:
		t.State, t.Error = journal.TrialInterrupted, fmt.Sprintf("the budget ran out (plus %s grace) before the trial finished; resume runs it again", graceOf(opts))
	case timedOut:
		t.State, t.Error = journal.TrialFailed, fmt.Sprintf("timed out after %s (--trial-timeout)", timeout)
	default:
		t.State = journal.TrialFailed
		if t.Error == "" {
			t.Error = err.Error()
		}
	}
	if out != nil {
		t.FoldScores, t.BestIteration, t.Timings = out.FoldScores, out.BestIteration, out.Timings
		t.Mean, t.Std = meanStd(out.FoldScores)
	}
	s.mu.Lock()
	if t.State == journal.TrialDone {
		if s.incumbent == nil {
			t.Verdict = "first finished trial: the incumbent"
			inc := t
			s.incumbent = &inc
		} else {
			c := compareFolds(s.cfg.Metric, t.FoldScores, s.incumbent.FoldScores, s.incumbent.ID)
			t.Verdict = c.Verdict
			if c.Better {
				inc := t
				s.incumbent = &inc
			}
		}
	}
	s.mu.Unlock()
	if _, err := s.j.PutTrial(s.name, t); err != nil {
		s.fail(fmt.Errorf("trial %d: %w", t.ID, err))
	}
	s.mu.Lock()
	s.running--
	replaced := false
	for i := range s.trials {
		if s.trials[i].ID == t.ID {
			s.trials[i], replaced = t, true
		}
	}
	if !replaced {
		s.trials = append(s.trials, t)
	}
	s.mu.Unlock()
	s.progressf(opts, false, "")
}

func (s *session) evaluateSafely(ctx context.Context, spec TrialSpec, done [][]float64, t *journal.Trial) (out *Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			t.Error = err.Error()
			t.Stack = string(debug.Stack())
		}
	}()
	return s.search.Evaluate(ctx, spec, s.threads, medianPrune(s.cfg.Metric, done))
}

// progressf writes a progress line: always when force, else at most every
// Interval (a live redraw on a terminal).
func (s *session) progressf(opts RunOptions, force bool, format string, a ...any) {
	if opts.Progress == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if format != "" {
		if opts.Live {
			fmt.Fprint(opts.Progress, "\r\033[K")
		}
		fmt.Fprintf(opts.Progress, format+"\n", a...)
		return
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	if !opts.Live && !force && now.Sub(s.lastLine) < interval {
		return
	}
	s.lastLine = now
	var done, failed, pruned int
	for _, t := range s.trials {
		switch t.State {
		case journal.TrialDone:
			done++
		case journal.TrialFailed:
			failed++
		case journal.TrialPruned:
			pruned++
		}
	}
	elapsed := now.Sub(s.started)
	rate := "-" // too early to say
	if elapsed >= 20*time.Second {
		rate = fmt.Sprintf("%.1f", float64(done+failed+pruned)/elapsed.Minutes())
	}
	best := "-"
	if s.incumbent != nil {
		best = fmt.Sprintf("%.4f ± %.4f (#%d)", s.incumbent.Mean, s.incumbent.Std, s.incumbent.ID)
	}
	left := time.Duration(0)
	if s.budget > 0 {
		left = max(0, s.budget-elapsed)
	}
	line := fmt.Sprintf("%d done, %d failed, %d pruned, %d running | best %s %s | %s trials/min | %s elapsed, %s left",
		done, failed, pruned, s.running, s.cfg.Metric, best, rate, elapsed.Round(time.Second), left.Round(time.Second))
	if opts.Live {
		fmt.Fprint(opts.Progress, "\r\033[K"+line)
	} else {
		fmt.Fprintln(opts.Progress, line)
	}
}

// Leaderboard returns a study's finished trials, best first (by mean).
func Leaderboard(trials []journal.Trial, metric string) []journal.Trial {
	var out []journal.Trial
	for _, t := range trials {
		if t.State == journal.TrialDone || t.State == journal.TrialPruned {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if (out[a].State == journal.TrialDone) != (out[b].State == journal.TrialDone) {
			return out[a].State == journal.TrialDone
		}
		if higherIsBetter(metric) {
			return out[a].Mean > out[b].Mean
		}
		return out[a].Mean < out[b].Mean
	})
	return out
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
