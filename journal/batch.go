package journal

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Batch is several changes to one study written in one transaction by
// Commit: its trials as PutTrial writes them, in order (so a trial may
// appear running, then ended), then its proposal links as LinkProposal
// writes them, then its events as AddEvent appends them.
type Batch struct {
	Trials []Trial
	Links  []Link
	Events []Event
}

// Link ties an accepted proposal of a round to the trial that ran its
// spec (LinkProposal's arguments).
type Link struct {
	Round    uint64
	Proposal string
	Trial    uint64
}

// Len is the number of changes in b.
func (b Batch) Len() int { return len(b.Trials) + len(b.Links) + len(b.Events) }

// Commit writes b in one fsync'd transaction: all of it or, on an error,
// none of it. Each trial must carry its ID (NextTrialID, or one the
// caller keeps ahead of the sequence as PutTrial allows); the events get
// theirs in order. One commit for what would be several: a commit's cost
// is its fsyncs, not its size (doc.go, Durability), so a writer that
// gathers the records of several trials finishing together spends one
// commit's fsyncs on all of them.
func (j *Journal) Commit(study string, b Batch) error {
	for _, t := range b.Trials {
		if err := checkTrial(study, t); err != nil {
			return err
		}
		if t.ID == 0 {
			return fmt.Errorf("study %q: a batched trial needs its ID: %w", study, ErrInvalidRecord)
		}
	}
	events := make([]Event, len(b.Events))
	for i, e := range b.Events {
		var err error
		if events[i], err = j.checkEvent(study, e); err != nil {
			return err
		}
	}
	return j.update(func(tx *bolt.Tx) error {
		for _, t := range b.Trials {
			if _, err := putTrial(tx, study, t); err != nil {
				return err
			}
		}
		for _, l := range b.Links {
			if err := linkProposal(tx, study, l.Round, l.Proposal, l.Trial); err != nil {
				return err
			}
		}
		for i := range events {
			if err := appendTx(tx, study, bucketEvents, eventBuilder(&events[i])); err != nil {
				return err
			}
		}
		return nil
	})
}

// LastTrialID is the study's trial sequence: the highest trial ID handed
// out so far (0 for none). The study's one writer can number its trials
// from it without a transaction per trial.
func (j *Journal) LastTrialID(study string) (uint64, error) {
	var id uint64
	err := j.view(func(tx *bolt.Tx) error {
		tb, err := studyNested(tx, study, bucketTrials)
		if err != nil {
			return err
		}
		id = tb.Sequence()
		return nil
	})
	return id, err
}
