// Package journal is nightshift's store: one bbolt file holding every study,
// its trials, its planner rounds and its events, written so that a run
// killed at any moment loses nothing it reported as done.
//
// # Model
//
//	file (bbolt DB)
//	├── meta                       schema version (big-endian uint64)
//	└── studies
//	    └── <study name>           one bucket per study
//	        ├── study              name, state, created, updated
//	        ├── config             {"v":1,"config_version":N,"config":{…}} (opaque: the experiment package's)
//	        ├── fingerprint        size and SHA-256 of the data file
//	        ├── profile            the dataset profile (raw JSON)
//	        ├── schema             how the table is read: kinds, categories (raw JSON; absent in older studies)
//	        ├── trials/            big-endian ID → Trial record (its spec by hash)
//	        ├── rounds/            big-endian ID → Round record (proposals' specs by hash)
//	        ├── events/            big-endian ID → Event record
//	        ├── holdout_reads/     big-endian ID → HoldoutRead record (schema 2)
//	        └── spec_hashes/       spec hash → trial ID (no spec runs twice on a split) and, from
//	                               schema 3, the spec and its first hypothesis: the spec store;
//	                               "hash@k" → the trial that re-evaluated it on fold split k ≥ 1
//
// IDs are the nested bucket's bbolt sequence (NextSequence), so they start at
// 1, are never reused and sort numerically. Every record is JSON with a
// version field "v"; a record or a layout newer than this code is refused
// with ErrNewerSchema, never guessed at. The layout is upgraded by the
// forward-only migrations in schema.go when a writer opens the file.
//
// # Each spec once
//
// A trial's spec is stored once, in the spec store (spec.go), and the trial
// record and the round's proposals refer to it by hash; the trial's model,
// features, parameters and seed are read back from the spec, and its
// hypothesis from its proposal's when they are equal. The API is
// unchanged: Trial and Proposal carry their full Spec, Hypothesis and
// display fields on the way in and on the way out, and an accepted
// Proposal read back names the trial that ran its spec. A round keeps the
// planner's own Reply (an LLM's answer) in full; the builtin planner has
// none. Migration 2→3 rewrote older journals this way, and
// TestOpensVersion2Journal opens one written before it.
//
// Measured on the synthetic night of cmd/nightshift's BenchmarkJournal10k
// (10,000 trials through this API, 85% pruned; shared 2-core machine):
// 2457 bytes per trial compacted before schema 3 (3355 as written), 901
// after (1677 as written: the append-only buckets fill their pages to
// appendFill, not bbolt's half). SnapshotOptions.NoSpecs skips the spec
// store for readers that show no spec (status).
//
// # Compaction
//
// bbolt reuses freed pages but never gives them back to the file system,
// and a trial written twice (running, then done) frees pages all night.
// Compact copies the journal into a new file with every page full, cuts
// it to its last page and renames it over the old one (atomic: the path
// names the old or the new journal, both complete; a compaction killed
// midway leaves FILE.compact behind, which the next one overwrites —
// TestCompactionKilledLosesNothing). A study compacts its journal when a
// session ends, and `nightshift compact` does it on demand.
//
// # Holdout reads
//
// The holdout is sealed: every command that scores holdout rows (holdout,
// promote, the report's final table) journals one HoldoutRead through
// AddHoldoutRead — the command line, the time, the final-model choice and
// every model it scored (its kind, its trials by ID, spec hash, seed and
// weight) with its figures, each metric with its standard error — and
// writes holdout figures nowhere else. The first read is the study's
// verdict; AddHoldoutRead marks each later one, in the transaction that
// stores it, as a re-read (optimistic: it was chosen after earlier figures
// were seen) or as a repeat of an earlier read (every model it scored, same
// kind, specs, seeds and weights, that read had scored: it saw nothing
// new). Readers get them with ListHoldoutReads or in a Snapshot.
//
// To add to a read (curves, importances), add optional fields to
// HoldoutModel and to holdoutModelRecord with omitempty: the record version
// stays 1, older readers skip what they do not know, and older records
// read back with the new fields empty. Migration 1→2 created the bucket in
// every study and turned the figures an older nightshift had written (the
// ensemble's "holdout" events, Trial.Holdout) into one Legacy read.
//
// # Durability
//
// Each state change is its own read-write transaction, committed with
// fsync (bbolt's NoSync is never set): a trial is written running before it
// starts and done, failed or pruned after; when PutTrial returns nil the
// record is on disk. Commit writes a Batch — several trials' states,
// proposal links and events — in one such transaction, all or nothing:
// the study's writer gathers the records of trials ending together there,
// since a commit costs its fsyncs, not its size. bbolt commits by writing a new meta page last, so a
// SIGKILL or power loss mid-commit leaves the previous state. A commit that
// fails (ENOSPC, EFBIG, EDQUOT) is rolled back and reported as ErrDiskFull;
// nothing committed earlier is touched.
//
// # One writer, readers at any time
//
// bbolt holds flock(LOCK_EX) on the file for as long as a read-write DB is
// open, and a read-only open needs flock(LOCK_SH); a run that kept the file
// open all night would make `nightshift status` hang (or, with a timeout,
// fail) until morning. So:
//
//   - No bbolt handle outlives an operation. Each call opens the file, runs
//     one transaction and closes it, so the exclusive lock is held for one
//     commit (about a millisecond plus the fsyncs) and the shared lock for
//     one read.
//   - The lock is taken by this package with a blocking flock(2) on the
//     descriptor it then hands to bbolt (Options.OpenFile); bbolt's own
//     LOCK_NB attempt on that descriptor succeeds at once. bbolt alone polls
//     every 50ms, and against a writer committing back to back a poller
//     loses nearly every race (measured: slowest read 465ms, 16 reads in
//     1.5s).
//   - flock does not queue its waiters either (on release all are woken and
//     the first to run wins; on an overloaded machine a back-to-back writer
//     kept a blocked reader waiting 1.7s), so on Linux readers also get
//     priority through a gate: a reader takes an OFD read lock on byte 0 of
//     the file before it waits, and the writer waits until it could take a
//     write lock there before each transaction (gate_linux.go). With it, a
//     back-to-back writer and a reader polling every 10ms: slowest read
//     15–32ms, 20–26ms under -race, at load 12–15 on 2 cores
//     (TestReaderReadsWhileWriterCommits). A read still waits for the
//     commit in progress, fsync included.
//   - Single-writer is enforced by a second lock: a read-write Open takes
//     flock(LOCK_EX) on FILE.lock (which records pid, host and start time)
//     and keeps it until Close, so a second run on the same journal gets
//     ErrLocked naming the holder. The kernel drops the lock when the
//     process dies, so a killed run leaves nothing to clean up; Writer tells
//     whether a run is in progress (a study whose state is running while
//     Writer reports nobody was cut short).
//   - A read-only Open takes no run lock; each of its operations waits at
//     most Options.Timeout for the shared lock and returns ErrLocked after.
//
// Cost, measured with BenchmarkPutTrial on a journal of 2000 trials (8 MiB),
// fsync'd commits, 7 runs each on a shared 2-core machine: the fsyncs
// dominate and swing between runs (0.6–5.4 ms per commit whether the file is
// held open or opened per operation); what opening per operation adds is the
// open and close itself, 57–87 µs read-write and 45–79 µs read-only
// (BenchmarkOpenClose). The alternative, keeping the file open and
// publishing a snapshot for readers after every commit (Tx.WriteTo a temp
// file, fsync, rename), took 12.7–21.1 ms per commit and grows with the
// journal; it was rejected.
//
// The cost of a commit does not grow with the journal: writing the
// synthetic night of BenchmarkJournal100k on tmpfs (no fsync) took 7.2–9.4
// CPU-seconds per 10,000 trials from the first 10,000 to the last, the
// file growing from 16 to 128 MiB. bbolt's NoFreelistSync would be a loss
// here: a handle that does not find the freelist on disk rebuilds it by
// scanning every page when it opens, and this package opens the file for
// every operation — 128 ms per open+commit+close on that 128 MiB journal
// against 0.09 ms with the freelist synced; the hashmap freelist changed
// nothing (0.09 ms either way). Both stay off.
//
// The journal knows nothing of planners, models or metrics' directions: it
// stores what the experiment package hands it and returns it unchanged.
package journal
