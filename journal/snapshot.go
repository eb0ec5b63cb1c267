package journal

import bolt "go.etcd.io/bbolt"

// Snapshot is everything journaled about one study, read in a single read
// transaction, so its parts agree with each other (no trial whose round is
// missing, no count that moved between two calls). The report and status
// read a study this way.
type Snapshot struct {
	Study  Study
	Trials []Trial // by ID
	Rounds []Round // in order
	Events []Event // in order

	// HoldoutReads are the study's reads of its holdout, in order (the
	// first is the verdict).
	HoldoutReads []HoldoutRead

	// Writer is the process holding the run lock when the snapshot was
	// taken, if any (see the package function Writer).
	Writer        Holder
	WriterRunning bool
}

// SnapshotOptions choose what SnapshotWith reads. The zero value reads
// everything.
type SnapshotOptions struct {
	// NoSpecs leaves out what trials and proposals share with the spec
	// store: a trial's SpecHash, Spec, Model, Features, Params and Seed
	// and a hypothesis equal to its proposal's, a proposal's SpecHash,
	// Spec, hypothesis and TrialID (records written before schema 3 keep
	// theirs). Reading specs is most of what reading a long study costs,
	// and status needs none of them; Trials completes the few trials a
	// reader shows.
	NoSpecs bool

	// ScoresOnly reads of each trial only its ID, State, Round,
	// FoldScores, Mean, Std, Screen, Started and Finished — what a
	// summary of the study (status) needs — and implies NoSpecs. Decoding
	// whole records is what remains of reading a long study.
	ScoresOnly bool
}

// Snapshot reads the whole study in one read transaction.
func (j *Journal) Snapshot(study string) (Snapshot, error) {
	return j.SnapshotWith(study, SnapshotOptions{})
}

// SnapshotWith reads the study in one read transaction, leaving out what
// opts says.
func (j *Journal) SnapshotWith(study string, opts SnapshotOptions) (Snapshot, error) {
	var s Snapshot
	err := j.view(func(tx *bolt.Tx) error {
		b, err := studyBucket(tx, study)
		if err != nil {
			return err
		}
		if s.Study, err = readStudy(b, study); err != nil {
			return err
		}
		ss, err := specStoreOf(tx, study)
		if err != nil {
			return err
		}
		ss.noSpecs = opts.NoSpecs || opts.ScoresOnly
		ss.seen = map[uint64]specEntry{} // a spec is met as a trial and as a proposal
		tb, err := nested(b, bucketTrials, study)
		if err != nil {
			return err
		}
		if opts.ScoresOnly {
			s.Trials, err = trialScores(tb, study)
		} else {
			s.Trials, err = trialsFrom(tb, ss)
		}
		if err != nil {
			return err
		}
		rb, err := nested(b, bucketRounds, study)
		if err != nil {
			return err
		}
		if s.Rounds, err = roundsFrom(rb, ss); err != nil {
			return err
		}
		if s.Events, err = eventsIn(tx, study); err != nil {
			return err
		}
		nb, err := nested(b, bucketHoldoutReads, study)
		if err != nil {
			return err
		}
		s.HoldoutReads, err = holdoutReadsIn(nb, study)
		return err
	})
	if err != nil {
		return Snapshot{}, err
	}
	if s.Writer, s.WriterRunning, err = Writer(j.path); err != nil {
		return Snapshot{}, err
	}
	return s, nil
}
