package experiment

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/nightshift-ml/nightshift/features"
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
	// Getenv reads the LLM planner's API key (os.Getenv when nil);
	// LLMRetryBase is its first retry's backoff (1 s when zero).
	Getenv       func(string) string
	LLMRetryBase time.Duration
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
	// PlannerWait is the worker time lost to planner calls: idle
	// workers integrated over the time the scheduler waited for one.
	PlannerWait time.Duration
	// Leaks say what the study does with each flagged leak column.
	Leaks []features.LeakDecision
	// Journal is the journal's size before and after the compaction that
	// ends a session (zero when it was not compacted).
	Journal journal.CompactResult
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
	command := "run"
	if opts.Resume {
		command = "resume"
	}
	if err := j.Announce(opts.Study, command); err != nil {
		return nil, err
	}
	sess, err := openSession(ctx, j, opts)
	if err != nil {
		return nil, err
	}
	return sess.run(ctx, opts)
}
