package journal

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout version this nightshift reads and writes.
const SchemaVersion = 3

// Root-level buckets and the keys of the meta bucket.
var (
	bucketMeta    = []byte("meta")
	bucketStudies = []byte("studies")
	keySchema     = []byte("schema") // uint64, big-endian
)

// A migration upgrades the layout from version from to from+1 inside the
// transaction it is given; the version bump is written in the same
// transaction, so a crash leaves either the old or the new layout.
type migration struct {
	from int
	desc string
	up   func(tx *bolt.Tx) error
}

// migrations is the forward-only upgrade path, in order; entry i upgrades
// version i to i+1. Version 0 is a file with no meta bucket, that is an empty
// bbolt file just created by Open. Downgrades do not exist: an older
// nightshift refuses a newer journal with ErrNewerSchema.
var migrations = []migration{
	{from: 0, desc: "create the meta and studies buckets", up: func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketMeta); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketStudies)
		return err
	}},
	{from: 1, desc: "give every study a holdout_reads bucket, holding the holdout figures written before as one legacy read", up: addHoldoutReads},
	{from: 2, desc: "store each spec once, in the spec store, and refer to it from trials and proposals", up: storeSpecsOnce},
}

// storeSpecsOnce is migration 2→3: every trial and planner round is read
// as written and written back through the current encoders, which move
// each spec (with its first proposal's hypothesis) into the spec store and
// leave references behind. Rounds go first, so that a spec's entry keeps
// the hypothesis of the proposal that introduced it. What is read back is
// unchanged, except that an accepted proposal now names the trial that ran
// its spec. The space freed is reclaimed by compaction.
func storeSpecsOnce(tx *bolt.Tx) error {
	root, err := studiesRoot(tx)
	if err != nil {
		return err
	}
	return root.ForEachBucket(func(k []byte) error {
		study := string(k)
		if _, err := root.Bucket(k).CreateBucketIfNotExists(bucketSpecStore); err != nil {
			return err
		}
		rounds, err := roundsIn(tx, study)
		if err != nil {
			return err
		}
		nb, ss, err := roundBuckets(tx, study)
		if err != nil {
			return err
		}
		for _, r := range rounds {
			rec, err := roundToRecord(ss, r)
			if err != nil {
				return err
			}
			if err := putRound(nb, study, rec); err != nil {
				return err
			}
		}
		trials, err := trialsIn(tx, study)
		if err != nil {
			return err
		}
		tb, ss, err := trialBuckets(tx, study)
		if err != nil {
			return err
		}
		for _, t := range trials {
			rec, err := encodeTrial(ss, t)
			if err != nil {
				return err
			}
			data, err := encodeRecord(fmt.Sprintf("study %q trial %d", study, t.ID), rec)
			if err != nil {
				return err
			}
			if err := tb.Put(seqKey(t.ID), data); err != nil {
				return err
			}
		}
		return nil
	})
}

// addHoldoutReads is migration 1→2. A study whose holdout was scored by an
// older nightshift (figures in trials, the ensemble's "holdout" events)
// gets them as read 1, its verdict, so that its next read counts as a
// re-read.
func addHoldoutReads(tx *bolt.Tx) error {
	root, err := studiesRoot(tx)
	if err != nil {
		return err
	}
	return root.ForEachBucket(func(k []byte) error {
		study := string(k)
		b := root.Bucket(k)
		nb, err := b.CreateBucketIfNotExists(bucketHoldoutReads)
		if err != nil {
			return err
		}
		trials, err := trialsIn(tx, study)
		if err != nil {
			return err
		}
		events, err := eventsIn(tx, study)
		if err != nil {
			return err
		}
		r, ok := legacyHoldoutRead(trials, events)
		if !ok || nb.Sequence() > 0 {
			return nil
		}
		_, err = putHoldoutRead(nb, study, r)
		return err
	})
}

// schemaVersion reads the layout version: 0 for an empty file, an error for
// a bbolt file that holds something other than a nightshift journal.
func schemaVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return 0, fmt.Errorf("journal %s: bbolt file without a %q bucket: %w", tx.DB().Path(), bucketMeta, ErrNotJournal)
		}
		return 0, nil
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return 0, fmt.Errorf("journal %s: meta/%s has %d bytes, want 8: %w", tx.DB().Path(), keySchema, len(v), ErrNotJournal)
	}
	return int(binary.BigEndian.Uint64(v)), nil
}

func putSchemaVersion(tx *bolt.Tx, v int) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(v)))
}

// migrate brings the layout to len(table), the newest version the table
// knows, in the one transaction it runs in.
func migrate(tx *bolt.Tx, table []migration) error {
	have, err := schemaVersion(tx)
	if err != nil {
		return err
	}
	want := len(table)
	if have > want {
		return fmt.Errorf("journal %s has schema version %d, this nightshift reads up to %d; upgrade nightshift: %w", tx.DB().Path(), have, want, ErrNewerSchema)
	}
	for v := have; v < want; v++ {
		m := table[v]
		if m.from != v {
			return fmt.Errorf("journal: migration table out of order at %d (entry says from %d)", v, m.from)
		}
		if err := m.up(tx); err != nil {
			return fmt.Errorf("journal %s: migration %d→%d (%s): %w", tx.DB().Path(), v, v+1, m.desc, err)
		}
		if err := putSchemaVersion(tx, v+1); err != nil {
			return err
		}
	}
	return nil
}

// checkSchema is the read-only Open's check: readers do not migrate.
func checkSchema(tx *bolt.Tx) error {
	have, err := schemaVersion(tx)
	if err != nil {
		return err
	}
	switch {
	case have > SchemaVersion:
		return fmt.Errorf("journal %s has schema version %d, this nightshift reads up to %d; upgrade nightshift: %w", tx.DB().Path(), have, SchemaVersion, ErrNewerSchema)
	case have < SchemaVersion:
		return fmt.Errorf("journal %s has schema version %d, this nightshift needs %d; open it once read-write (nightshift resume) to upgrade it: %w", tx.DB().Path(), have, SchemaVersion, ErrOlderSchema)
	}
	return nil
}
