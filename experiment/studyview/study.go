package studyview

import (
	"slices"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// Study is one study as read at one instant: a journal.Snapshot (one read
// transaction, so counts, trials, rounds and events agree) and its decoded
// config. Every method derives from those two and nothing else.
type Study struct {
	journal.Snapshot
	Config Config
}

// Read takes one snapshot of the study. It never takes the write lock: j
// is best opened with OpenReadOnly.
func Read(j *journal.Journal, name string) (*Study, error) {
	return ReadWith(j, name, journal.SnapshotOptions{})
}

// ReadWith is Read with the snapshot's options.
func ReadWith(j *journal.Journal, name string, opts journal.SnapshotOptions) (*Study, error) {
	snap, err := j.SnapshotWith(name, opts)
	if err != nil {
		return nil, err
	}
	return FromSnapshot(snap)
}

// FromSnapshot decodes a snapshot's config. The trials of a session that
// died are read as it left them: see abandon.
func FromSnapshot(snap journal.Snapshot) (*Study, error) {
	s := &Study{Snapshot: snap}
	if err := DecodeConfig(snap.Study, &s.Config); err != nil {
		return nil, err
	}
	s.Trials = s.abandon(s.Trials)
	return s, nil
}

// live tells whether a live process runs this study's trials: it holds
// the journal's run lock (the kernel drops it when the process dies, even
// by kill -9) and runs or resumes this study, or has not said yet what it
// does. The one writer may be running another study, or scoring this
// one's holdout, which runs no trial.
func (s *Study) live() bool {
	w := s.Writer
	return s.WriterRunning && (w.Study == "" || w.Study == s.Study.Name) &&
		(w.Command == "" || w.Command == "run" || w.Command == "resume")
}

// abandon returns ts with every trial journaled running read as
// interrupted when no live process runs the study: the session that ran
// it died (kill -9, a crash, power loss) and will never finish it, and
// resume re-runs it, journaling it interrupted first. Without this a dead
// session's trials read "running" forever. The journal is not written (a
// reader never writes); ts is copied when a trial changes.
func (s *Study) abandon(ts []journal.Trial) []journal.Trial {
	if s.live() || !slices.ContainsFunc(ts, func(t journal.Trial) bool { return t.State == journal.TrialRunning }) {
		return ts
	}
	ts = slices.Clone(ts)
	for i := range ts {
		if ts[i].State == journal.TrialRunning {
			ts[i].State = journal.TrialInterrupted
		}
	}
	return ts
}

// OpenReadOnly opens a journal for status, trials, export and the report:
// it never waits for a running study (beyond one commit) and never writes.
func OpenReadOnly(db string) (*journal.Journal, error) {
	return journal.Open(db, journal.Options{ReadOnly: true, Timeout: 5 * time.Second})
}

// Leader is the study's pick (see the package function Leader).
func (s *Study) Leader() (journal.Trial, bool) { return Leader(s.Config.Metric, s.Trials) }

// Leaderboard is the study's finished trials, best first.
func (s *Study) Leaderboard() []journal.Trial { return Leaderboard(s.Trials, s.Config.Metric) }

// Counts counts the trials by state.
func (s *Study) Counts() journal.TrialCounts {
	var c journal.TrialCounts
	for _, t := range s.Trials {
		switch t.State {
		case journal.TrialDone:
			c.Done++
		case journal.TrialFailed:
			c.Failed++
		case journal.TrialPruned:
			c.Pruned++
		case journal.TrialRunning:
			c.Running++
		case journal.TrialInterrupted:
			c.Interrupted++
		}
	}
	return c
}

// Tokens sums the planner rounds' tokens.
func (s *Study) Tokens() (in, out int) {
	for _, r := range s.Rounds {
		in += r.TokensIn
		out += r.TokensOut
	}
	return in, out
}

// Elapsed is the study's wall time over all its sessions (see the package
// function Elapsed).
func (s *Study) Elapsed() time.Duration { return Elapsed(s.Events, s.Trials) }

// State is the study's state as a reader should show it: a study journaled
// running whose process no longer holds the run lock was cut short, so it
// reads interrupted. running tells whether a live process works on it.
func (s *Study) State() (state journal.StudyState, running bool) {
	if s.Study.State == journal.StudyRunning {
		if s.live() {
			return journal.StudyRunning, true
		}
		return journal.StudyInterrupted, false
	}
	return s.Study.State, false
}

// Elapsed adds up the sessions' wall time: from each start or resume event
// to the session's last event, or, for a session that died, to the last
// trial it finished.
func Elapsed(events []journal.Event, trials []journal.Trial) time.Duration {
	return SearchTimeSince(events, trials, time.Time{})
}

// SearchTimeSince adds up the sessions' wall time after the moment at, as
// Elapsed does: the search time the study has spent since then, however
// many sessions it took (what --patience counts).
func SearchTimeSince(events []journal.Event, trials []journal.Trial, at time.Time) time.Duration {
	var total time.Duration
	for i, e := range events {
		if e.Kind != journal.EventStart && e.Kind != journal.EventResume {
			continue
		}
		from, end := e.Time, sessionEnd(events[i+1:], trials, e.Time)
		if at.After(from) {
			from = at
		}
		if end.After(from) {
			total += end.Sub(from)
		}
	}
	return total
}

// sessionEnd is the end of the session that began at start, given the
// events after its start or resume event: its finish, interrupt or
// budget_exhausted event; for a session that died without one, its last
// event or the last trial finished before the next session began,
// whichever is later. Events journaled after a session's end (by other
// commands) do not lengthen it.
func sessionEnd(after []journal.Event, trials []journal.Trial, start time.Time) time.Time {
	end := start
	next := time.Time{}
	for _, f := range after {
		if f.Kind == journal.EventStart || f.Kind == journal.EventResume {
			next = f.Time
			break
		}
		if f.Time.After(end) {
			end = f.Time
		}
		if f.Kind == journal.EventFinish || f.Kind == journal.EventInterrupt || f.Kind == journal.EventBudgetExhausted {
			return end
		}
	}
	for _, t := range trials {
		if t.Finished.After(end) && (next.IsZero() || t.Finished.Before(next)) {
			end = t.Finished
		}
	}
	return end
}

// WallTimeAt is the moment the study had searched for d, its sessions'
// wall time added up as Elapsed does. ok is false when the study has not
// searched that long (d at or beyond Elapsed, or no session at all).
func WallTimeAt(events []journal.Event, trials []journal.Trial, d time.Duration) (at time.Time, ok bool) {
	var total time.Duration
	for i, e := range events {
		if e.Kind != journal.EventStart && e.Kind != journal.EventResume {
			continue
		}
		end := sessionEnd(events[i+1:], trials, e.Time)
		if s := end.Sub(e.Time); total+s > d {
			return e.Time.Add(d - total), true
		}
		total += end.Sub(e.Time)
	}
	return time.Time{}, false
}
