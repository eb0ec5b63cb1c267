package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/experiment/planner"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

type session struct {
	j         *journal.Journal
	name      string
	cfg       StudyConfig
	search    *Search
	planner   plan.Planner
	created   bool
	requeue   []journal.Trial
	budget    time.Duration
	hasBudget bool // a wall-clock budget applies
	hasLimit  bool // a trial-count limit applies
	maxTrial  int
	workers   int
	threads   int

	// notify writes a line to the run's progress (set by the scheduler
	// before the first planner call): what a person watching the run must
	// know about the planner, such as its first fallback to the built-in one.
	notify func(msg string)

	mu     sync.Mutex
	trials []journal.Trial // all trials of the study, by ID order
	// fellBack is set at the session's first planner fallback: only the
	// first is printed, the rest are journaled events.
	fellBack bool
	// What is looked up in trials on every proposal and every trial, kept
	// so that the cost per trial does not grow with the study (issue 20):
	// each trial's position in trials, its decoded spec (the planners'
	// History), and the spec hashes that ran (validate's duplicate check).
	trialAt map[uint64]int
	specOf  map[uint64]TrialSpec
	ran     map[string]bool
	// medians are the ended trials' running means per fold split and
	// fold count (the median pruner's), lastID the highest trial ID handed out: the
	// session numbers its trials (it is the journal's one writer) so
	// that journaling a trial running does not hold up its worker.
	medians map[int]*foldMedians // by fold split
	lastID  uint64
	// writer journals trial records in batches (writer.go).
	writer *trialWriter
	// hist is the planners' view of trials (putHistoryLocked), histAt
	// each one's position; histShared says a History holds hist.
	hist       []plan.HistoryTrial
	histAt     map[uint64]int
	histShared bool
	ended      []journal.Trial // the trials this session ended, in the order they ended
	seen       *plan.SeenSet
	round      int
	// roundPlanner names the planner of each journaled round; rejected
	// are the rejected proposals of all rounds, oldest first.
	roundPlanner map[uint64]string
	rejected     []plan.Rejection
	proposals    map[string]plan.Proposal // accepted proposals by ID
	judged       map[string]bool          // proposals whose verdict is journaled
	tokens       int                      // LLM tokens the journal records
	incumbent    *journal.Trial
	// data is the version of the study's data this session runs on
	// (journal.Trial.Data): the study's accepted data changes so far.
	data int
	race raceState
	// pool is the trials as studyview.Pool pools them, kept as they
	// change (poolLocked).
	pool *studyview.PoolIndex
	// improved is when the incumbent last changed in this session (the
	// session's start until it does): --patience counts from it, adding
	// waited, the search time earlier sessions spent since the incumbent
	// last changed (zero once it changes in this one): the patience is
	// the study's, not the session's. lastImproved is when it last
	// changed, in whichever session (zero: never).
	improved     time.Time
	waited       time.Duration
	lastImproved time.Time
	running      int
	// planWait integrates the idle workers over the time the scheduler
	// waits for a planner call (worker-time lost to planner latency):
	// waiting is set during such a wait, waitMark is the last update.
	planWait   time.Duration
	waiting    bool
	waitMark   time.Time
	journalErr error         // a journal write failed: stop the run
	failed     chan struct{} // closed with journalErr
	started    time.Time
	lastLine   time.Time
}

// openSession opens the study opts names (creating it when it is new),
// loads its table through the stored schema, builds its search, replays
// its journal into the session and chooses its planner and pool.
func openSession(ctx context.Context, j *journal.Journal, opts RunOptions) (*session, error) {
	s := newSession(j, opts.Study)
	st, fp, err := s.openStudy(ctx, opts)
	if err != nil {
		return nil, err
	}
	tab, err := s.loadTable(st, opts)
	if err != nil {
		return nil, err
	}
	if s.created {
		if err := s.fixAtCreation(tab); err != nil {
			return nil, err
		}
	} else {
		if s.data, err = dataVersion(j, opts.Study); err != nil {
			return nil, err
		}
		if !fp.Equal(st.Data) {
			if err := s.acceptDataChange(tab, st, fp); err != nil {
				return nil, err
			}
		}
	}
	if err := s.buildSearch(tab, opts); err != nil {
		return nil, err
	}
	if s.created {
		if err := s.createStudy(ctx, tab); err != nil {
			return nil, err
		}
	}
	if err := s.replayTrials(); err != nil {
		return nil, err
	}
	rounds, err := j.ListRounds(opts.Study)
	if err != nil {
		return nil, err
	}
	replies, path := s.replayRounds(rounds)
	if s.planner, err = s.openPlanner(opts, rounds, replies, path); err != nil {
		return nil, err
	}
	if err := s.resumeBudget(opts); err != nil {
		return nil, err
	}
	s.workers, s.threads = poolShape(s.cfg.Workers, runtime.GOMAXPROCS(0), s.trialMemory(0), s.cfg.MemoryBudget)
	return s, nil
}

// newSession is an empty session of study name, its maps made.
func newSession(j *journal.Journal, name string) *session {
	return &session{j: j, name: name, seen: plan.NewSeenSet(), roundPlanner: map[uint64]string{}, proposals: map[string]plan.Proposal{}, judged: map[string]bool{}, failed: make(chan struct{}),
		trialAt: map[uint64]int{}, specOf: map[uint64]TrialSpec{}, ran: map[string]bool{},
		race: raceState{reserved: map[[2]uint64]bool{}, dropped: map[uint64]bool{}}}
}

// openStudy reads the study's config, or validates opts.Config for a new
// one (s.created). For a stored study it checks that this nightshift reads
// its config and that it runs on the same data file, unchanged unless
// opts.AllowDataChange; fp is that file's fingerprint now (zero for a new
// study).
func (s *session) openStudy(ctx context.Context, opts RunOptions) (st journal.Study, fp journal.Fingerprint, err error) {
	st, err = s.j.GetStudy(opts.Study)
	switch {
	case err == nil:
		if err := json.Unmarshal(st.Config, &s.cfg); err != nil {
			return st, fp, fmt.Errorf("study %q: stored config unreadable: %w", opts.Study, err)
		}
		if st.ConfigVersion > ConfigVersion {
			return st, fp, fmt.Errorf("study %q: config version %d is newer than this nightshift (%d): %w", opts.Study, st.ConfigVersion, ConfigVersion, journal.ErrNewerSchema)
		}
		if opts.Config.Data != "" && !samePath(opts.Config.Data, s.cfg.Data) {
			return st, fp, fmt.Errorf("study %q was started on %s, not %s; name another study", opts.Study, s.cfg.Data, opts.Config.Data)
		}
		if fp, err = journal.FingerprintFile(ctx, s.cfg.Data); err != nil {
			return st, fp, fmt.Errorf("study %q: %w", opts.Study, err)
		}
		if !fp.Equal(st.Data) && !opts.AllowDataChange {
			return st, fp, fmt.Errorf("%s: %w (was %s, now %s); run with --allow-data-change to continue on the new data", s.cfg.Data, ErrDataChanged, st.Data, fp)
		}
	case errors.Is(err, journal.ErrUnknownStudy):
		if opts.Resume {
			return st, fp, err
		}
		s.cfg = opts.Config
		if err := s.cfg.Validate(); err != nil {
			return st, fp, err
		}
		// Resume may run from another directory: keep the data's absolute path.
		if abs, err := filepath.Abs(s.cfg.Data); err == nil {
			s.cfg.Data = abs
		}
		s.created = true
	default:
		return st, fp, err
	}
	return st, fp, nil
}

// loadTable loads the study's table: a new study's from its config, a
// stored one's through its stored schema. Loading warnings go to
// opts.Progress.
func (s *session) loadTable(st journal.Study, opts RunOptions) (*Table, error) {
	var tab *Table
	var err error
	if s.created {
		tab, err = LoadTable(TableSpec{Path: s.cfg.Data, Target: s.cfg.Target, Positive: s.cfg.Positive, Load: s.cfg.Load})
	} else {
		tab, err = LoadStudyTable(s.j, st, s.cfg)
	}
	if err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		for _, w := range tab.Frame.Warnings {
			fmt.Fprintf(opts.Progress, "warning: %s\n", w.Message)
		}
	}
	return tab, nil
}

// fixAtCreation fixes what a new study keeps for its life: the positive
// class, the holdout rows and digest, the number of folds and rows.
func (s *session) fixAtCreation(tab *Table) error {
	var err error
	s.cfg.Positive = tab.Target.Positive
	if s.cfg.HoldoutRows, err = HoldoutRows(tab, s.cfg.Holdout, s.cfg.TimeCol, s.cfg.HoldoutSplit, s.cfg.Seed); err != nil {
		return err
	}
	// The number of folds is fixed at creation, so that a study
	// continued on changed data (--allow-data-change) keeps comparable
	// fold scores.
	s.cfg.Folds = resolveFolds(s.cfg.Folds, tab.Frame.Rows-len(s.cfg.HoldoutRows))
	s.cfg.Rows, s.cfg.HoldoutDigest = tab.Frame.Rows, holdoutDigest(tab, s.cfg.HoldoutRows)
	s.cfg.SearchLabels = searchLabelsDigest(tab, s.cfg.HoldoutRows, s.cfg.Rows)
	return nil
}

// acceptDataChange continues a study on changed data (--allow-data-change):
// the new fingerprint fp is stored only once the stored holdout still
// names the rows set aside, so a refused continuation leaves the study as
// it was. The session runs on the next version of the data, journaled as
// an EventDataChange first: trials from here on are scored on other rows
// than earlier ones (more of them, or other values) and are never paired
// with them (journal.Trial.Data).
func (s *session) acceptDataChange(tab *Table, st journal.Study, fp journal.Fingerprint) error {
	if err := checkChangedData(tab, &s.cfg); err != nil {
		return err
	}
	s.data++
	msg := fmt.Sprintf("%s changed (was %s, now %s; %d rows): trials from here on run on version %d of the data and are not paired with earlier trials' folds",
		s.cfg.Data, st.Data, fp, tab.Frame.Rows, s.data)
	if _, err := s.j.AddEvent(s.name, journal.Event{Kind: EventDataChange, Message: msg,
		Details: map[string]string{"data": fmt.Sprint(s.data), "rows": fmt.Sprint(tab.Frame.Rows), "sha256": fp.SHA256}}); err != nil {
		return err
	}
	return s.j.SetFingerprint(s.name, fp)
}

// EventDataChange is the kind of the event journaled when a study goes on
// with a changed data file: the data's next version (journal.Trial.Data).
const EventDataChange journal.EventKind = "data_change"

// dataVersion is the version of a stored study's data: how many changes
// of its file it accepted (its EventDataChange events).
func dataVersion(j *journal.Journal, study string) (int, error) {
	events, err := j.ListEvents(study)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range events {
		if e.Kind == EventDataChange {
			n++
		}
	}
	return n, nil
}

// buildSearch builds the study's search over tab; its leakage decisions
// go to opts.Progress as warnings.
func (s *session) buildSearch(tab *Table, opts RunOptions) error {
	var err error
	if s.search, err = NewSearch(tab, s.cfg.HoldoutRows, &s.cfg); err != nil {
		return err
	}
	if opts.Progress != nil {
		for _, d := range s.search.LeakDecisions {
			fmt.Fprintf(opts.Progress, "warning: %s\n", d)
		}
	}
	return nil
}

// createStudy journals a new study: its config, data fingerprint, profile
// and schema.
func (s *session) createStudy(ctx context.Context, tab *Table) error {
	fp, err := journal.FingerprintFile(ctx, s.cfg.Data)
	if err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(s.cfg)
	if err != nil {
		return err
	}
	profJSON, err := json.Marshal(s.search.Profile)
	if err != nil {
		return err
	}
	schemaJSON, err := json.Marshal(schemaOf(tab.Frame))
	if err != nil {
		return err
	}
	_, err = s.j.CreateStudy(journal.Study{Name: s.name, ConfigVersion: ConfigVersion, Config: cfgJSON, Data: fp, Profile: profJSON, Schema: schemaJSON})
	return err
}

// replayTrials reads the study's trials into the session: trials a dead
// run left running become interrupted and are re-queued, the highest
// trial ID and the incumbent are restored.
func (s *session) replayTrials() error {
	var err error
	if s.requeue, err = s.j.MarkStaleRunningInterrupted(s.name); err != nil {
		return err
	}
	trials, err := s.j.ListTrials(s.name)
	if err != nil {
		return err
	}
	for _, t := range trials {
		s.putTrialLocked(t)
	}
	if s.lastID, err = s.j.LastTrialID(s.name); err != nil {
		return err
	}
	var requeue []journal.Trial
	for _, t := range s.trials {
		s.seen.Add(t.SpecHash)
		if t.State == journal.TrialInterrupted {
			requeue = append(requeue, t)
		}
	}
	s.requeue = requeue
	if inc, ok := incumbentOf(s.cfg.Metric, s.trials); ok {
		s.incumbent = &inc
	}
	return nil
}

// replayRounds reads the study's planner rounds into the session: their
// planners, tokens, rejected and accepted proposals; a proposal planned
// but never started is re-queued. replies are the journaled LLM replies
// by request hash, path the last round's planner path.
func (s *session) replayRounds(rounds []journal.Round) (replies map[string]string, path string) {
	s.round = len(rounds)
	replies = map[string]string{}
	for _, r := range rounds {
		if r.Path != "" {
			path = r.Path
		}
		s.roundPlanner[r.ID] = r.Planner
		s.tokens += r.TokensIn + r.TokensOut
		for _, p := range r.Rejected {
			s.rejected = append(s.rejected, plan.Rejection{Spec: p.Spec, Hypothesis: p.Hypothesis, Reason: p.Reason})
		}
		if r.RequestHash != "" && r.Error == "" && r.Reply != "" {
			replies[r.RequestHash] = r.Reply
		}
		for _, p := range r.Accepted {
			spec, err := decodeSpec(p.Spec)
			if err != nil {
				continue
			}
			s.proposals[p.ID] = plan.Proposal{Spec: spec, Hypothesis: p.Hypothesis, Parent: p.Parent, Tune: p.Tune, ID: p.ID, Of: p.Of}
			if s.seen.Add(p.SpecHash) {
				// Planned but never started (the run stopped or died
				// first): run it now instead of asking the planner
				// again, so a journaled reply is never requested twice.
				s.requeue = append(s.requeue, journal.Trial{SpecHash: p.SpecHash, Spec: p.Spec, Model: spec.Model, Features: spec.Features,
					Params: spec.Params, Round: r.ID, Hypothesis: p.Hypothesis, Proposal: proposalOf(p),
					Reason: reasonOf(r.Planner, plan.Proposal{Parent: p.Parent, Of: p.Of})})
			}
		}
	}
	// The trials were read before their rounds: name each one's planner.
	for i := range s.hist {
		s.hist[i].Planner = s.roundPlanner[s.hist[i].Round]
	}
	return replies, path
}

// openPlanner makes the study's planner. An LLM request journaled as
// sent but with no round (the run died waiting for the reply) is in
// flight: the planner knows not to count on a reply to it.
func (s *session) openPlanner(opts RunOptions, rounds []journal.Round, replies map[string]string, path string) (plan.Planner, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	inFlight := map[string]bool{}
	if !s.created {
		events, err := s.j.ListEvents(opts.Study)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			if e.Kind == EventLLMRequest {
				inFlight[e.Details["request_hash"]] = true
			}
		}
		for _, r := range rounds {
			delete(inFlight, r.RequestHash)
		}
	}
	sending := func(hash string) error {
		_, err := s.j.AddEvent(opts.Study, journal.Event{Kind: EventLLMRequest, Details: map[string]string{"request_hash": hash}})
		return err
	}
	return planner.NewPlanner(planner.Config{Name: s.cfg.Planner, LLM: s.cfg.LLM},
		planner.Env{Getenv: getenv, Replies: replies, RetryBase: opts.LLMRetryBase, Path: path, Sending: sending, InFlight: inFlight})
}

// resumeBudget sets this session's budget and trial limit: new ones when
// given, else what earlier sessions left; a resumed session also restores
// the patience spent, the judged proposals and the race's dropped trials
// from the journal's events.
func (s *session) resumeBudget(opts RunOptions) error {
	s.budget, s.maxTrial = time.Duration(s.cfg.Budget), s.cfg.MaxTrials
	if !s.created {
		events, err := s.j.ListEvents(opts.Study)
		if err != nil {
			return err
		}
		s.budget -= spentBefore(events, s.trials)
		s.lastImproved, s.waited = patienceSpent(events, s.trials, s.incumbent)
		if err := backfillIncumbent(s.j, opts.Study, events, s.incumbent); err != nil {
			return err
		}
		for _, e := range events {
			if e.Kind == EventVerdict {
				s.judged[e.Details["proposal"]] = true
			}
		}
		for id := range racedFrom(events) {
			s.dropLocked(id)
		}
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
	return nil
}

// poolShape chooses how to use the cores: one single-threaded trial per
// core as long as that many trials' estimated memory (perTrial each) fits
// in the budget, else as many trials as fit with the cores split between
// them. A single-threaded trial keeps its core busy; one trial on every
// core leaves cores idle in its serial phases (binning, pipelines, the
// logistic regression): on the 1M-row fraud set, 10-minute searches, one
// trial on 2 threads ran 20 trials using 75% of the CPU, two
// single-threaded trials 35. --workers N overrides it, splitting the cores
// N ways.
func poolShape(workers, cores int, perTrial, budget int64) (int, int) {
	if workers > 0 {
		return workers, max(1, cores/workers)
	}
	n := cores
	if budget > 0 && perTrial > 0 {
		n = int(min(int64(cores), max(1, budget/perTrial)))
	}
	return n, max(1, cores/n)
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

// spentBefore adds up earlier sessions' wall time (studyview.Elapsed, the
// figure status shows).
func spentBefore(events []journal.Event, trials []journal.Trial) time.Duration {
	return studyview.Elapsed(events, trials)
}

// patienceSpent is when the incumbent last changed (its last incumbent
// event; in a study from before those events, the replayed incumbent's
// end) and the search time the study's sessions spent since.
func patienceSpent(events []journal.Event, trials []journal.Trial, incumbent *journal.Trial) (time.Time, time.Duration) {
	var at time.Time
	for _, e := range events {
		if e.Kind == EventIncumbent {
			at = e.Time
		}
	}
	if at.IsZero() && incumbent != nil {
		at = incumbent.Finished
	}
	if at.IsZero() {
		return at, studyview.Elapsed(events, trials)
	}
	return at, studyview.SearchTimeSince(events, trials, at)
}

// backfillIncumbent journals the incumbent of a study from before
// incumbent events (replayed from its trials), stamped when that trial
// ended, so that status says "no significant improvement since" for it
// too.
func backfillIncumbent(j *journal.Journal, study string, events []journal.Event, incumbent *journal.Trial) error {
	if incumbent == nil {
		return nil
	}
	for _, e := range events {
		if e.Kind == EventIncumbent {
			return nil
		}
	}
	_, err := j.AddEvent(study, journal.Event{Kind: EventIncumbent, Time: incumbent.Finished,
		Message: fmt.Sprintf("trial #%d is the incumbent (replayed from the trials on resume: the study predates incumbent events)", incumbent.ID),
		Details: map[string]string{"trial": fmt.Sprint(incumbent.ID), "replayed": "true"}})
	return err
}

// accountWaitLocked adds the idle workers' time since the last mark to
// planWait while the scheduler waits for a planner; call it (s.mu held)
// before changing running or waiting.
func (s *session) accountWaitLocked(now time.Time) {
	if s.waiting {
		s.planWait += time.Duration(max(0, s.workers-s.running)) * now.Sub(s.waitMark)
	}
	s.waitMark = now
}

// setWaiting marks the start or end of a wait for a planner call.
func (s *session) setWaiting(w bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accountWaitLocked(time.Now())
	s.waiting = w
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
