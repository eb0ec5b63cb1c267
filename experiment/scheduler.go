package experiment

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/experiment/planner"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
)

// job is one trial to run: a new proposal or a re-queued interrupted trial.
type job struct {
	id         uint64
	spec       TrialSpec
	hypothesis string
	round      uint64
	proposal   string // the proposal it tests or tunes (journal.Proposal.ID)
	// split is the fold split it runs on; of, for split ≥ 1, the trial
	// it re-evaluates; reason why it runs (journal.Trial.Reason).
	split  int
	of     uint64
	reason string
	// started is closed once the trial is numbered, in the session's
	// trials (so the next planner call sees it: an LLM may name a running
	// trial as a proposal's parent) and queued to be journaled running.
	started chan struct{}
}

// run is the session's outline: journal its start, watch for a stop,
// start the worker pool and the trial writer, issue trials until
// something stops the session, drain the pool, journal its end.
func (s *session) run(ctx context.Context, opts RunOptions) (*RunSummary, error) {
	if err := s.begin(opts); err != nil {
		return nil, err
	}
	deadline := s.started.Add(s.budget)
	hard, cancelHard := context.WithCancel(ctx)
	defer cancelHard()
	st := &stopSignal{mu: &s.mu, issuing: make(chan struct{})}
	go s.watchInterrupt(hard, cancelHard, st, opts)

	s.writer = newTrialWriter(s.j, s.name, s.fail)
	jobs, wg := s.startWorkers(hard, deadline, opts)
	runErr := s.issue(hard, st, jobs, deadline, opts)
	close(jobs)
	wg.Wait()
	s.writer.close()
	return s.finish(opts, st, runErr)
}

// begin journals the session's start (or resume) and marks the study
// running.
func (s *session) begin(opts RunOptions) error {
	s.started = time.Now()
	s.improved = s.started
	kind, msg := journal.EventStart, fmt.Sprintf("run: %d workers × %d threads, %s", s.workers, s.threads, s.budgetText())
	if !s.created {
		kind = journal.EventResume
		msg = fmt.Sprintf("resume: %s re-queued; %d workers × %d threads, %s", s.requeueText(), s.workers, s.threads, s.budgetText())
	}
	if _, err := s.j.AddEvent(s.name, journal.Event{Kind: kind, Message: msg}); err != nil {
		return err
	}
	if err := s.j.SetStudyState(s.name, journal.StudyRunning); err != nil {
		return err
	}
	s.progressf(opts, true, "study %s: %s", s.name, msg)
	return nil
}

// stopSignal ends the issue loop once: the first reason given wins.
// reason and interrupted are guarded by the session's mu.
type stopSignal struct {
	mu          *sync.Mutex
	issuing     chan struct{} // closed at the stop
	once        sync.Once
	reason      string
	interrupted bool
}

func (st *stopSignal) stop(why string) {
	st.once.Do(func() {
		st.mu.Lock()
		st.reason = why
		st.mu.Unlock()
		close(st.issuing)
	})
}

func (st *stopSignal) interrupt() {
	st.mu.Lock()
	st.interrupted = true
	st.mu.Unlock()
	st.stop("interrupted")
}

// watchInterrupt owns the session's interruption: opts.Stop stops the
// issuing and, after the grace period, cancels the running trials (hard);
// hard ending first (the caller's context) stops the issuing too. It
// returns when hard is done.
func (s *session) watchInterrupt(hard context.Context, cancelHard context.CancelFunc, st *stopSignal, opts RunOptions) {
	select {
	case <-opts.Stop:
		st.interrupt()
		select {
		case <-time.After(graceOf(opts)):
			cancelHard()
		case <-hard.Done():
		}
	case <-hard.Done():
		st.interrupt()
	}
}

// startWorkers starts the pool: s.workers goroutines, each running the
// jobs it receives until jobs is closed; wait on the group after closing it.
func (s *session) startWorkers(ctx context.Context, deadline time.Time, opts RunOptions) (chan<- job, *sync.WaitGroup) {
	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 1; w <= s.workers; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for jb := range jobs {
				s.runTrial(ctx, worker, jb, deadline, opts)
			}
		}(w)
	}
	return jobs, &wg
}

// requeued is the interrupted trials (and planned but never started
// proposals) the session runs before asking its planner.
func (s *session) requeued() []job {
	var queue []job
	for _, t := range s.requeue {
		if spec, err := trialSpec(t); err == nil {
			queue = append(queue, job{id: t.ID, spec: spec, hypothesis: t.Hypothesis, round: t.Round, proposal: t.Proposal, split: t.Split, of: t.Of, reason: t.Reason})
		}
	}
	return queue
}

// checkLimits stops the session when its budget, trial limit or patience
// is spent.
func (s *session) checkLimits(st *stopSignal, issued int, deadline time.Time) {
	if s.hasBudget && !time.Now().Before(deadline) {
		st.stop("budget exhausted")
	}
	if s.hasLimit && issued >= s.maxTrial {
		st.stop("trial limit reached")
	}
	if why, ok := s.outOfPatience(time.Now()); ok {
		st.stop(why)
	}
}

// issue is the issue loop: it hands the queued jobs to the workers one by
// one, asks the planner for more when the queue runs dry, and returns when
// the session stops (with the planner's error, if that stopped it). No
// planner call outlives it.
func (s *session) issue(ctx context.Context, st *stopSignal, jobs chan<- job, deadline time.Time, opts RunOptions) error {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	queue := s.requeued()
	issued := 0
	s.notify = func(msg string) { s.progressf(opts, true, "study %s: %s", s.name, msg) }
	ahead := s.newPlanAhead(ctx)
	// A call still in flight is cancelled and waited for: no goroutine
	// outlives the run.
	defer ahead.stop()
	for {
		s.checkLimits(st, issued, deadline)
		select {
		case <-st.issuing:
			return nil
		default:
		}
		if len(queue) == 0 {
			got, w := s.awaitPlan(ahead, st, ticker.C, opts)
			switch w {
			case waitStopped:
				return nil
			case waitTick:
				continue
			}
			if got.err != nil {
				st.stop("planner failed")
				return got.err
			}
			queue = got.jobs
			if len(queue) == 0 {
				st.stop("search space exhausted: the planner has nothing new to propose")
				return nil
			}
		}
		if queue[0].started == nil {
			queue[0].started = make(chan struct{})
		}
		select {
		case jobs <- queue[0]:
			<-queue[0].started
			queue = queue[1:]
			issued++
			ahead.runAhead(len(queue), issued)
		case <-st.issuing:
			return nil
		case <-s.failed:
			st.stop("journal write failed")
			return nil
		case <-ticker.C:
			s.progressf(opts, false, "")
		}
	}
}

// planAhead owns the planner calls made beside the issue loop, at most
// one in flight (pending). The next call starts while the workers still
// run the current proposals (when fewer are queued than there are
// workers), so its latency does not idle the cores. The built-in planner
// is not instant on a long study (its proposal, the flush of the trial
// writer before it and the journaled round after: tens of milliseconds at
// 20,000 trials against trials of 100-300 ms on a small table; issue 20),
// so it runs ahead too — but with one worker it is called only when the
// queue is empty, so a single-worker study stays reproducible (each call
// sees every earlier trial's result).
type planAhead struct {
	s        *session
	ctx      context.Context
	cancel   context.CancelFunc
	pending  chan planned
	prefetch bool // calls may start before the queue is empty
}

func (s *session) newPlanAhead(ctx context.Context) *planAhead {
	planCtx, cancel := context.WithCancel(ctx)
	return &planAhead{s: s, ctx: planCtx, cancel: cancel,
		prefetch: s.planner.Name() != planner.Builtin().Name() || s.workers > 1}
}

// start calls the planner for up to two proposals per worker.
func (p *planAhead) start() {
	ch := make(chan planned, 1)
	p.pending = ch
	go func() {
		jobs, err := p.s.plan(p.ctx, 2*p.s.workers)
		ch <- planned{jobs, err}
	}()
}

// runAhead starts the next call early when prefetching, none is in
// flight, fewer than a worker's share are queued and the trial limit
// leaves room for more.
func (p *planAhead) runAhead(queued, issued int) {
	s := p.s
	if p.prefetch && p.pending == nil && queued < s.workers && !(s.hasLimit && issued+queued >= s.maxTrial) {
		p.start()
	}
}

// stop cancels a call still in flight and waits for it.
func (p *planAhead) stop() {
	p.cancel()
	if p.pending != nil {
		<-p.pending
	}
}

// waitEnd is how a wait for the planner ended.
type waitEnd int

const (
	waitGot     waitEnd = iota // the call returned
	waitStopped                // the session stopped first
	waitTick                   // a progress tick came first; the call is still pending
)

// awaitPlan waits for the planner call in flight (starting one if none
// is), counting the wait as planner wait (setWaiting).
func (s *session) awaitPlan(ahead *planAhead, st *stopSignal, tick <-chan time.Time, opts RunOptions) (planned, waitEnd) {
	if ahead.pending == nil {
		ahead.start()
	}
	s.setWaiting(true)
	select {
	case got := <-ahead.pending:
		ahead.pending = nil
		s.setWaiting(false)
		return got, waitGot
	case <-st.issuing:
		s.setWaiting(false)
		return planned{}, waitStopped
	case <-tick:
		s.setWaiting(false)
		s.progressf(opts, false, "")
		return planned{}, waitTick
	}
}

// finish ends the session once the pool is drained: it summarises the
// session, journals its end and compacts the journal. runErr is what
// stopped the issuing, if it failed.
func (s *session) finish(opts RunOptions, st *stopSignal, runErr error) (*RunSummary, error) {
	s.mu.Lock()
	wasInterrupted := st.interrupted
	reason := st.reason
	if s.journalErr != nil {
		runErr = s.journalErr
	}
	s.mu.Unlock()
	if runErr != nil && errors.Is(runErr, journal.ErrDiskFull) {
		// Writing the end-of-session records would fail the same way.
		return &RunSummary{Study: s.name, StopReason: "journal write failed", Elapsed: time.Since(s.started)}, runErr
	}
	sum, err := s.summary(reason, wasInterrupted)
	if err != nil {
		return nil, err
	}
	if runErr == nil && !wasInterrupted {
		runErr = allFailed(s.name, s.ended)
	}
	if err := s.journalEnd(opts, sum, runErr); err != nil {
		return sum, err
	}
	if runErr != nil {
		return sum, runErr
	}
	s.compact(opts, sum)
	if wasInterrupted {
		return sum, ErrInterrupted
	}
	return sum, nil
}

// summary is the session's RunSummary: why it stopped, the study's trial
// counts, the planner wait and the leader.
func (s *session) summary(reason string, wasInterrupted bool) (*RunSummary, error) {
	sum := &RunSummary{Study: s.name, Created: s.created, StopReason: reason, Elapsed: time.Since(s.started), Workers: s.workers, Threads: s.threads, Interrupted: wasInterrupted, Leaks: s.search.LeakDecisions}
	counts, err := s.j.CountTrials(s.name)
	if err != nil {
		return nil, err
	}
	sum.Trials = counts
	s.mu.Lock()
	sum.PlannerWait = s.planWait
	if lead, ok := s.poolLocked().Leader(); ok {
		sum.Best = &lead
	}
	s.mu.Unlock()
	return sum, nil
}

// journalEnd journals the session's end event and the study's state:
// interrupted, out of budget, failed (every trial failed), or finished.
func (s *session) journalEnd(opts RunOptions, sum *RunSummary, runErr error) error {
	reason, counts := sum.StopReason, sum.Trials
	endKind, state := journal.EventFinish, journal.StudyFinished
	switch {
	case sum.Interrupted:
		endKind, state = journal.EventInterrupt, journal.StudyInterrupted
	case reason == "budget exhausted":
		endKind = journal.EventBudgetExhausted
	case errors.Is(runErr, ErrAllTrialsFailed):
		// A night that produced nothing is over, not cut short: it
		// reads failed, with why (studyview.Status.Reason).
		endKind, state = journal.EventError, journal.StudyFailed
	case runErr != nil:
		endKind, state = journal.EventError, journal.StudyInterrupted
	}
	msg := fmt.Sprintf("%s after %s: %d done, %d failed, %d pruned", reason, sum.Elapsed.Round(time.Second), counts.Done, counts.Failed, counts.Pruned)
	details := map[string]string{"elapsed_seconds": fmt.Sprintf("%.3f", sum.Elapsed.Seconds()),
		"planner_wait_worker_seconds": fmt.Sprintf("%.3f", sum.PlannerWait.Seconds()), "reason": reason}
	if state == journal.StudyFailed {
		details[journal.DetailFailure] = allFailedReason(s.ended)
	}
	if _, err := s.j.AddEvent(s.name, journal.Event{Kind: endKind, Message: msg, Details: details}); err != nil {
		return err
	}
	if err := s.j.SetStudyState(s.name, state); err != nil {
		return err
	}
	s.progressf(opts, true, "study %s: %s", s.name, msg)
	return nil
}

// compact gives the journal's free pages back at the end of a session
// (journal.Compact). It changes no record, so a failure is reported and
// the session still ends as it was going to.
func (s *session) compact(opts RunOptions, sum *RunSummary) {
	res, err := s.j.Compact()
	if err != nil {
		s.progressf(opts, true, "study %s: journal not compacted (it is intact; `nightshift compact` retries): %v", s.name, err)
		return
	}
	sum.Journal = res
	if res.Kept { // compacted, it would not have been smaller
		return
	}
	s.progressf(opts, true, "study %s: journal compacted from %.1f to %.1f MiB", s.name, float64(res.Before)/(1<<20), float64(res.After)/(1<<20))
}

// plan asks the planner for up to n proposals and journals the round. No
// planner can end the night: when the study's planner fails, proposes
// nothing, or has every proposal rejected, the round is journaled as it
// happened, a fallback event says why, and the built-in planner proposes
// instead. Only the built-in planner proposing nothing ends the search.
func (s *session) plan(ctx context.Context, n int) ([]job, error) {
	if s.writer != nil { // nil before the run starts its workers
		s.writer.flush()
	}
	if jb, events, ok := s.raceJob(time.Now()); ok || len(events) > 0 {
		for _, e := range events {
			if _, err := s.j.AddEvent(s.name, e); err != nil {
				return nil, err
			}
		}
		if ok {
			return []job{jb}, nil
		}
	}
	h := s.history()
	res, err := s.planner.Propose(ctx, h, n)
	jobs, jerr := s.journalRound(s.planner.Name(), res, err)
	if jerr != nil {
		return nil, jerr
	}
	if len(jobs) > 0 || ctx.Err() != nil {
		// A call cut by the end of the run is journaled as it ended;
		// nothing falls back, since nothing will run.
		return jobs, nil
	}
	if s.planner.Name() == planner.Builtin().Name() {
		if err != nil {
			return nil, fmt.Errorf("planner %s: %w", s.planner.Name(), err)
		}
		return nil, nil
	}
	why := "no proposal survived validation"
	switch {
	case err != nil:
		why = "the call failed: " + err.Error()
	case len(res.Proposals)+len(res.Rejected) == 0:
		why = "it proposed nothing"
	}
	fallback := fmt.Sprintf("planner %s: %s; the built-in planner proposes this round", s.planner.Name(), why)
	if _, err := s.j.AddEvent(s.name, journal.Event{Kind: journal.EventFallback, Message: fallback}); err != nil {
		return nil, err
	}
	s.mu.Lock()
	first := !s.fellBack
	s.fellBack = true
	s.mu.Unlock()
	if first {
		s.say(fallback + " (later fallbacks are journaled as events: nightshift export)")
	}
	builtin := planner.Builtin()
	res, err = builtin.Propose(ctx, s.history(), n)
	jobs, jerr = s.journalRound(builtin.Name(), res, err)
	if jerr != nil {
		return nil, jerr
	}
	if err != nil {
		return nil, fmt.Errorf("planner %s: %w", builtin.Name(), err)
	}
	return jobs, nil
}

// history is what the planners see of the study now. It shares the
// session's state instead of copying the study per call (issue 20: at
// 20,000 trials the copies cost more than the proposal): the trials are
// hist, which putTrialLocked clones before changing an entry a History
// holds; the proposals and rejections are written only by journalRound,
// in the goroutine that calls the planner, after the call returns —
// planners keep nothing of a History between calls. Seen is a copy:
// History.Accept adds each spec it accepts.
func (s *session) history() *plan.History {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &plan.History{Profile: s.search.Profile, Task: s.cfg.Task, Metric: s.cfg.Metric, Folds: len(s.search.Folds),
		Base: s.seen, Round: s.round, Seed: s.cfg.Seed, Validate: s.validate, Rejected: s.rejected[:len(s.rejected):len(s.rejected)],
		Proposals: s.proposals, TokensSpent: s.tokens, CostAware: s.cfg.CostAware,
		GBDTParams: s.cfg.gbdtParams()}
	h.Trials = s.hist[:len(s.hist):len(s.hist)]
	s.histShared = true
	if lead, ok := s.poolLocked().Leader(); ok {
		h.Incumbent = lead.ID
	}
	return h
}

// outOfPatience says whether --patience ends the session: the incumbent
// has not changed for that long of the study's search time, this
// session's and the earlier ones' since the change (a resumed study that
// had already plateaued waits only what is left of its patience).
func (s *session) outOfPatience(now time.Time) (string, bool) {
	p := time.Duration(s.cfg.Patience)
	if p <= 0 {
		return "", false
	}
	s.mu.Lock()
	since, waited, last := s.improved, s.waited, s.lastImproved
	s.mu.Unlock()
	if now.Sub(since)+waited < p {
		return "", false
	}
	changed := "never"
	if !last.IsZero() {
		changed = "at " + last.Local().Format("15:04:05")
	}
	return fmt.Sprintf("no significant improvement for %s (--patience, search time over the study's sessions; the incumbent last changed %s)", p, changed), true
}

// planned is a planner call's outcome.
type planned struct {
	jobs []job
	err  error
}

// journalRound journals one planner call — its proposals checked once
// more by validate, since a planner's own check may predate trials that
// finished meanwhile — and returns the accepted proposals as jobs.
func (s *session) journalRound(name string, res plan.Result, callErr error) ([]job, error) {
	round := journal.Round{Planner: name, Prompt: res.Prompt, Reply: res.Reply, TokensIn: res.TokensIn, TokensOut: res.TokensOut, Latency: res.Latency,
		Path: res.Path, Repaired: res.Repaired, RequestHash: res.RequestHash, Replayed: res.Replayed, Attempts: res.Attempts}
	if callErr != nil {
		round.Error = callErr.Error()
	}
	var out []plan.Proposal
	var rejected []plan.Rejection
	for _, r := range res.Rejected {
		round.Rejected = append(round.Rejected, journal.Proposal{Spec: rawOrNull(r.Spec), Hypothesis: r.Hypothesis, Reason: r.Reason})
		rejected = append(rejected, r)
	}
	for _, p := range res.Proposals {
		reason := s.validate(p.Spec)
		jp := journal.Proposal{SpecHash: p.Spec.Hash(), Spec: p.Spec.CanonicalJSON(), Hypothesis: p.Hypothesis, Reason: reason,
			Parent: p.Parent, Tune: p.Tune, Of: p.Of}
		if reason != "" {
			round.Rejected = append(round.Rejected, jp)
			rejected = append(rejected, plan.Rejection{Spec: jp.Spec, Hypothesis: p.Hypothesis, Reason: reason})
			continue
		}
		round.Accepted = append(round.Accepted, jp)
		out = append(out, p)
	}
	id, err := s.j.AddRound(s.name, round)
	if err != nil {
		return nil, err
	}
	for _, note := range res.Notes {
		kind := journal.EventFallback
		switch {
		case strings.HasPrefix(note, "circuit"):
			kind = EventCircuit
		case strings.HasPrefix(note, "request"):
			kind = EventLLMRequest
		}
		if _, err := s.j.AddEvent(s.name, journal.Event{Kind: kind, Message: fmt.Sprintf("planner %s: %s", name, note)}); err != nil {
			return nil, err
		}
		if kind == EventCircuit {
			s.say(fmt.Sprintf("planner %s: %s", name, note))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.round++
	s.roundPlanner[id] = name
	s.tokens += res.TokensIn + res.TokensOut
	s.rejected = append(s.rejected, rejected...)
	jobs := make([]job, 0, len(out))
	for i, p := range out {
		s.seen.Add(p.Spec.Hash())
		p.ID = journal.ProposalID(id, i)
		s.proposals[p.ID] = p
		jobs = append(jobs, job{spec: p.Spec, hypothesis: p.Hypothesis, round: id, proposal: cmp.Or(p.Of, p.ID), reason: reasonOf(name, p)})
	}
	return jobs, nil
}

// proposalOf is the proposal a trial of p belongs to: the one it tunes,
// or p itself.
func proposalOf(p journal.Proposal) string {
	if p.Of != "" {
		return p.Of
	}
	return p.ID
}

// decodeSpec reads a journaled spec.
func decodeSpec(raw json.RawMessage) (TrialSpec, error) {
	var spec TrialSpec
	err := json.Unmarshal(raw, &spec)
	return spec, err
}

// rawOrNull keeps a rejected proposal's JSON when it is JSON at all.
func rawOrNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		q, _ := json.Marshal(string(b))
		return q
	}
	return b
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
	dup := s.ran[spec.Hash()]
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

// memoryEstimate bounds the running trials' memory: trialMemory per
// concurrent worker.
func (s *session) memoryEstimate(extra int64) int64 {
	return s.trialMemory(extra) * int64(s.workers)
}

// trialMemory bounds one trial's memory: the fold's copies of the frame
// and the design (×3 of the base columns as float64), the binned columns
// and their row-major copy (a quantized GBDT fit sums leaves from it;
// trainer/gbdt's rowMajorBins), and the feature pipeline's own estimate
// (extra, counted twice: training and validation rows).
func (s *session) trialMemory(extra int64) int64 {
	rows := int64(s.search.Frame.Rows)
	cols := int64(len(s.search.Frame.Columns))
	return rows*cols*8*3 + rows*cols*2 + extra*2
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

// runTrial runs one trial and journals its states: numbered and journaled
// running, evaluated under its gates and time limit, judged against the
// incumbent, journaled ended. A panic inside becomes a failed trial with
// its stack.
func (s *session) runTrial(ctx context.Context, worker int, jb job, deadline time.Time, opts RunOptions) {
	t := s.startTrial(worker, jb)
	s.mu.Lock()
	s.accountWaitLocked(time.Now())
	s.running++
	screens := s.screensLocked(t.Split)
	s.mu.Unlock()
	gates := s.gatesOf(t.Split, screens)

	clock := s.clockOf(t.Started, deadline, opts)
	ev := s.evaluateWithin(ctx, jb.spec, gates, &t, clock)
	settle(ctx, &t, ev, clock, opts)
	s.mu.Lock()
	newIncumbent := s.judgeLocked(&t)
	s.mu.Unlock()
	s.journalEnded(t, newIncumbent)
	s.mu.Lock()
	s.accountWaitLocked(time.Now())
	s.running--
	s.mu.Unlock()
	s.progressf(opts, false, "")
}

// startTrial numbers the job's trial (unless it is a re-queued one), puts
// it in the session's trials, queues it to be journaled running (with the
// link from its proposal when it runs the proposal's own spec) and closes
// jb.started.
func (s *session) startTrial(worker int, jb job) journal.Trial {
	t := journal.Trial{
		ID: jb.id, State: journal.TrialRunning, SpecHash: jb.spec.Hash(), Spec: jb.spec.CanonicalJSON(),
		Model: jb.spec.Model, Features: jb.spec.Features, Params: jb.spec.Params, Seed: int64(jb.spec.Seed),
		Metric: s.cfg.Metric, Worker: worker, Round: jb.round, Hypothesis: jb.hypothesis, Proposal: jb.proposal, Started: time.Now(),
		Split: jb.split, Of: jb.of, Reason: jb.reason, Data: s.data,
	}
	s.mu.Lock()
	if t.ID == 0 {
		s.lastID++
		t.ID = s.lastID
	}
	s.putTrialLocked(t)
	prop, isProposal := s.proposals[jb.proposal]
	s.mu.Unlock()
	start := trialWrite{trial: t}
	if isProposal && prop.Spec.Hash() == jb.spec.Hash() && jb.id == 0 {
		// The trial that ran the proposal's own spec: its clean trial.
		start.link = &journal.Link{Round: jb.round, Proposal: jb.proposal, Trial: t.ID}
	}
	s.writer.add(start)
	close(jb.started)
	return t
}

// screensLocked is the screening scores of split's trials that reported
// folds, for the screening gate (none when screening is off).
func (s *session) screensLocked(split int) []float64 {
	// The pruner compares against every trial that reported folds, pruned
	// ones included (as Optuna's MedianPruner uses all intermediate values):
	// finished trials alone are the survivors, and their median would prune
	// nearly everything.
	var screens []float64
	if s.search.ScreenFrac > 0 {
		for _, o := range s.trials {
			// Like splits only: fold k of another split saw other rows.
			if o.Split == split && o.Data == s.data && (o.State == journal.TrialDone || o.State == journal.TrialPruned) && o.Screen != nil {
				screens = append(screens, *o.Screen)
			}
		}
	}
	return screens
}

// gatesOf is the gates a trial on split runs under: the median pruner and,
// when screening, the screening gate; none for a re-evaluation.
func (s *session) gatesOf(split int, screens []float64) Gates {
	gates := Gates{Prune: medianPrune(s.cfg.Metric, s.medianAt(split))}
	if s.search.ScreenFrac > 0 {
		gates.Screen = screenGate(s.cfg.Metric, screens, s.search.ScreenFrac)
	}
	if split > 0 {
		// A re-evaluation is of a leading spec: the race decides when it
		// stops, not the median of its split's few other runs.
		gates = Gates{}
	}
	return gates
}

// trialClock is when a trial must end. A trial ends at its timeout, or at
// the end of the budget plus the grace period (budgetEnd), whichever comes
// first (limit; zero: never); one cut by the budget is journaled
// interrupted, so resume runs it again.
type trialClock struct {
	timeout          time.Duration
	limit, budgetEnd time.Time
}

func (s *session) clockOf(started, deadline time.Time, opts RunOptions) trialClock {
	c := trialClock{timeout: time.Duration(s.cfg.TrialTimeout)}
	if c.timeout > 0 {
		c.limit = started.Add(c.timeout)
	}
	if s.hasBudget {
		c.budgetEnd = deadline.Add(graceOf(opts))
		if c.limit.IsZero() || c.budgetEnd.Before(c.limit) {
			c.limit = c.budgetEnd
		}
	}
	return c
}

// evaluation is a trial's evaluation as it ended: its outcome or error,
// and whether its time limit cut it (by the budget, if cutByBudget).
type evaluation struct {
	out         *Outcome
	err         error
	timedOut    bool
	cutByBudget bool
}

// evaluateWithin evaluates the trial under its clock's limit and sets
// t.Finished.
func (s *session) evaluateWithin(ctx context.Context, spec TrialSpec, gates Gates, t *journal.Trial, c trialClock) evaluation {
	tctx, cancel := context.WithCancel(ctx)
	if !c.limit.IsZero() {
		tctx, cancel = context.WithDeadline(ctx, c.limit)
	}
	var ev evaluation
	ev.out, ev.err = s.evaluateSafely(tctx, spec, t.Split, gates, t)
	ev.timedOut = tctx.Err() == context.DeadlineExceeded
	ev.cutByBudget = ev.timedOut && !c.budgetEnd.IsZero() && !time.Now().Before(c.budgetEnd)
	cancel()
	t.Finished = time.Now()
	return ev
}

// settle sets the trial's end state, error and scores from its
// evaluation; ctx is the run's (done: the run stopped).
func settle(ctx context.Context, t *journal.Trial, ev evaluation, c trialClock, opts RunOptions) {
	out, err, timeout := ev.out, ev.err, c.timeout
	// The context's deadline fires from a timer, which a loaded machine can
	// run late: a trial may finish past its --trial-timeout before its
	// context says so. Such a trial ran longer than the timeout, so it
	// fails all the same (the clock decides, not the timer's luck).
	overran := timeout > 0 && err == nil && t.Finished.Sub(t.Started) > timeout
	switch {
	case overran:
		t.State, t.Error = journal.TrialFailed, fmt.Sprintf("timed out after %s (--trial-timeout)", timeout)
	case err == nil && out.Pruned:
		t.State, t.Error = journal.TrialPruned, out.PruneReason
	case err == nil:
		t.State = journal.TrialDone
	case ctx.Err() != nil:
		t.State, t.Error = journal.TrialInterrupted, "interrupted: the run stopped before the trial finished"
	case ev.cutByBudget:
		t.State, t.Error = journal.TrialInterrupted, fmt.Sprintf("the budget ran out (plus %s grace) before the trial finished; resume runs it again", graceOf(opts))
	case ev.timedOut:
		t.State, t.Error = journal.TrialFailed, fmt.Sprintf("timed out after %s (--trial-timeout)", timeout)
	default:
		t.State = journal.TrialFailed
		if t.Error == "" {
			t.Error = err.Error()
		}
	}
	if out != nil {
		t.FoldScores, t.BestIteration, t.Timings, t.Screen = out.FoldScores, out.BestIteration, out.Timings, out.Screen
		t.Mean, t.Std = meanStd(out.FoldScores)
	}
}

// judgeLocked writes a finished trial's verdict and makes it the
// incumbent when it is the first or a confirmed win on the study's own
// split (newIncumbent).
func (s *session) judgeLocked(t *journal.Trial) (newIncumbent bool) {
	switch {
	case t.State == journal.TrialDone && t.Split > 0:
		// The incumbent is the record of confirmed wins on the study's own
		// split; a re-evaluation adds evidence to its spec's pooled score.
		m0 := "-"
		if at, ok := s.trialAt[t.Of]; ok {
			m0 = fmt.Sprintf("%.4f", s.trials[at].Mean)
		}
		t.Verdict = fmt.Sprintf("re-evaluation of #%d on split %d: %.4f (split 0: %s)", t.Of, t.Split, t.Mean, m0)
	case t.State == journal.TrialDone:
		switch {
		case s.incumbent == nil:
			t.Verdict = "first finished trial: the incumbent"
			inc := *t
			s.incumbent, s.improved, s.lastImproved, s.waited, newIncumbent = &inc, t.Finished, t.Finished, 0, true
		case s.incumbent.Data != t.Data:
			// The incumbent's folds held other rows (journal.Trial.Data):
			// no pair to test, so the record of confirmed wins starts
			// again on the changed data.
			t.Verdict = fmt.Sprintf("first finished trial on version %d of the data: the incumbent (#%d ran on version %d, other rows: not compared)", t.Data, s.incumbent.ID, s.incumbent.Data)
			inc := *t
			s.incumbent, s.improved, s.lastImproved, s.waited, newIncumbent = &inc, t.Finished, t.Finished, 0, true
		default:
			c := compareFolds(s.cfg.Metric, t.FoldScores, s.incumbent.FoldScores, s.incumbent.ID)
			t.Verdict = c.Verdict
			if c.Better {
				inc := *t
				s.incumbent, s.improved, s.lastImproved, s.waited, newIncumbent = &inc, t.Finished, t.Finished, 0, true
			}
		}
	}
	return newIncumbent
}

// journalEnded queues the ended trial to be journaled (with the incumbent
// event when it is a new one); once written, it is put in the session's
// trials and ended ones, and a finished trial's proposal verdicts are
// journaled.
func (s *session) journalEnded(t journal.Trial, newIncumbent bool) {
	end := trialWrite{trial: t, after: func() {
		s.mu.Lock()
		s.putTrialLocked(t)
		s.ended = append(s.ended, t)
		s.mu.Unlock()
		if t.State == journal.TrialDone {
			s.journalVerdicts()
		}
	}}
	if newIncumbent {
		// status says "no significant improvement since" the last of these.
		end.events = []journal.Event{{Kind: EventIncumbent, Message: fmt.Sprintf("trial #%d is the incumbent: %s", t.ID, t.Verdict),
			Details: map[string]string{"trial": fmt.Sprint(t.ID)}}}
	}
	s.writer.add(end)
}

// budgetText says what limits the session: "budget 1m30s", or, when only
// --max-trials does, "no time limit, at most N trials" (it said "budget
// 0s", which reads as a night that may not run at all).
func (s *session) budgetText() string {
	switch {
	case s.hasBudget:
		return "budget " + s.budget.Round(time.Second).String()
	case s.hasLimit:
		return fmt.Sprintf("no time limit, at most %d trials", s.maxTrial)
	}
	return "no time limit"
}

// requeueText counts what resume runs first: interrupted trials (they have
// an id) and proposals a planner made that never started (they have none).
// Both were called "interrupted trials", so a study stopped cleanly with
// nothing interrupted said "3 interrupted trials re-queued".
func (s *session) requeueText() string {
	interrupted := 0
	for _, t := range s.requeue {
		if t.ID != 0 {
			interrupted++
		}
	}
	planned := len(s.requeue) - interrupted
	if planned == 0 {
		return fmt.Sprintf("%d interrupted trials", interrupted)
	}
	return fmt.Sprintf("%d interrupted trials and %d planned but never started", interrupted, planned)
}

// putTrialLocked replaces the session's copy of t, or appends it, and
// keeps the lookups beside trials up to date. A trial's spec never
// changes, so it is decoded once.
func (s *session) putTrialLocked(t journal.Trial) {
	if _, ok := s.specOf[t.ID]; !ok {
		if spec, err := trialSpec(t); err == nil {
			s.specOf[t.ID] = spec
		}
	}
	if t.SpecHash != "" {
		s.ran[t.SpecHash] = true
	}
	// The median pruner compares like with like: the same split of the
	// same rows (a trial on an earlier version of the data saw others).
	if (t.State == journal.TrialDone || t.State == journal.TrialPruned) && len(t.FoldScores) > 0 && t.Data == s.data {
		if i, ok := s.trialAt[t.ID]; !ok || (s.trials[i].State != journal.TrialDone && s.trials[i].State != journal.TrialPruned) {
			m, ok := s.medians[t.Split]
			if !ok {
				if s.medians == nil {
					s.medians = map[int]*foldMedians{}
				}
				m = &foldMedians{}
				s.medians[t.Split] = m
			}
			m.add(t.FoldScores)
		}
	}
	s.putHistoryLocked(t)
	if i, ok := s.trialAt[t.ID]; ok {
		s.race.account(s.trials[i], true, t)
		s.trials[i] = t
	} else {
		s.race.account(journal.Trial{}, false, t)
		s.trialAt[t.ID] = len(s.trials)
		s.trials = append(s.trials, t)
	}
	s.poolLocked().Put(t)
}

// putHistoryLocked keeps hist, the planners' view of the trials: each
// trial of the study's own split whose spec reads (a re-evaluation is
// its spec once more: the planners see each spec once), in ID order. An
// entry a History may hold is never changed: hist is cloned first.
func (s *session) putHistoryLocked(t journal.Trial) {
	spec, ok := s.specOf[t.ID]
	if !ok || t.Split != 0 {
		return
	}
	ht := plan.HistoryTrial{ID: t.ID, Spec: spec, State: t.State, Mean: t.Mean, Std: t.Std,
		FoldScores: t.FoldScores, Screen: t.Screen, Error: t.Error, Round: t.Round, Hypothesis: t.Hypothesis, Planner: s.roundPlanner[t.Round], Proposal: t.Proposal,
		Seconds: t.Timings[journal.PhaseTotal], Data: t.Data}
	if s.histAt == nil {
		s.histAt = map[uint64]int{}
	}
	i, ok := s.histAt[t.ID]
	if !ok {
		s.histAt[t.ID] = len(s.hist)
		s.hist = append(s.hist, ht)
		return
	}
	if s.histShared {
		s.hist = slices.Clone(s.hist)
		s.histShared = false
	}
	s.hist[i] = ht
}

// medianAt is the median pruner's view of the trials of one fold split
// (foldMedians.median): like splits only, since fold k of another split
// saw other rows.
func (s *session) medianAt(split int) func(k int) (float64, int) {
	return func(k int) (float64, int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m, ok := s.medians[split]
		if !ok {
			return 0, 0
		}
		return m.median(k)
	}
}

// journalVerdicts records each hypothesis's verdict once both its clean
// trial and its parent have finished — the clean trial against the parent
// by the fold-paired test — as a "verdict" event: the lab notebook the
// report narrates (the LLM's prompts judge the same way from the History).
func (s *session) journalVerdicts() {
	type pending struct {
		prop          plan.Proposal
		trial, parent journal.Trial
	}
	var todo []pending
	s.mu.Lock()
	for id, prop := range s.proposals {
		if prop.Of != "" || prop.Parent == 0 || s.judged[id] {
			continue
		}
		at, ok := s.trialAt[prop.Parent]
		if !ok || s.trials[at].State != journal.TrialDone {
			continue
		}
		parent := s.trials[at]
		hash := prop.Spec.Hash()
		for _, t := range s.trials {
			if t.Proposal == id && t.SpecHash == hash && t.State == journal.TrialDone {
				todo = append(todo, pending{prop, t, parent})
				s.judged[id] = true
			}
		}
	}
	s.mu.Unlock()
	for _, p := range todo {
		v := plan.Judge(s.cfg.Metric, p.trial.FoldScores, p.parent.FoldScores)
		msg := fmt.Sprintf("proposal %s: %s (%+.4f ± %.4f %s, trial #%d against #%d): %s", p.prop.ID, v.Label, v.Diff, v.SE, s.cfg.Metric, p.trial.ID, p.parent.ID, p.prop.Hypothesis)
		if p.trial.Data != p.parent.Data {
			// Other rows in every fold (journal.Trial.Data): no pairs.
			v = plan.Verdict{Label: "not compared", Diff: math.NaN(), SE: math.NaN()}
			msg = fmt.Sprintf("proposal %s: not compared (trial #%d ran on version %d of the data, its parent #%d on version %d: other rows): %s", p.prop.ID, p.trial.ID, p.trial.Data, p.parent.ID, p.parent.Data, p.prop.Hypothesis)
		}
		if _, err := s.j.AddEvent(s.name, journal.Event{Kind: EventVerdict, Message: msg, Details: map[string]string{
			"proposal": p.prop.ID, "verdict": v.Label, "delta": strconv.FormatFloat(v.Diff, 'g', -1, 64), "se": strconv.FormatFloat(v.SE, 'g', -1, 64),
			"trial": fmt.Sprint(p.trial.ID), "parent": fmt.Sprint(p.parent.ID)}}); err != nil {
			s.fail(err)
		}
	}
}

// EventVerdict is the kind of the event that journals a hypothesis's
// verdict; EventCircuit a change of the LLM planner's circuit breaker.
const (
	EventVerdict   = studyview.EventVerdict
	EventCircuit   = studyview.EventCircuit
	EventIncumbent = studyview.EventIncumbent
	// EventLLMRequest is journaled before each LLM request with its
	// hash: a request with no round after it was in flight at a crash.
	EventLLMRequest journal.EventKind = "llm_request"
)

func (s *session) evaluateSafely(ctx context.Context, spec TrialSpec, split int, g Gates, t *journal.Trial) (out *Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			t.Error = err.Error()
			t.Stack = string(debug.Stack())
		}
	}()
	on, err := s.search.On(split)
	if err != nil {
		return nil, err
	}
	return on.Evaluate(ctx, spec, s.threads, g)
}

// say writes msg to the run's progress when the scheduler has set where.
func (s *session) say(msg string) {
	if s.notify != nil {
		s.notify(msg)
	}
}
