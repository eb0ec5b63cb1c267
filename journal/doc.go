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
//	        ├── trials/            big-endian ID → Trial record
//	        ├── rounds/            big-endian ID → Round record
//	        ├── events/            big-endian ID → Event record
//	        └── spec_hashes/       spec hash → trial ID (no spec runs twice)
//
// IDs are the nested bucket's bbolt sequence (NextSequence), so they start at
// 1, are never reused and sort numerically. Every record is JSON with a
// version field "v"; a record or a layout newer than this code is refused
// with ErrNewerSchema, never guessed at. The layout is upgraded by the
// forward-only migrations in schema.go when a writer opens the file.
//
// # Durability
//
// Each state change is its own read-write transaction, committed with
// fsync (bbolt's NoSync is never set): a trial is written running before it
// starts and done, failed or pruned after; when PutTrial returns nil the
// record is on disk. bbolt commits by writing a new meta page last, so a
// SIGKILL or power loss mid-commit leaves the previous state. A commit that
// fails (ENOSPC, EFBIG, EDQUOT) is rolled back and reported as ErrDiskFull;
// nothing committed earlier is touched.
//
// # One writer, readers at any time
//
// bbolt holds flock(LOCK_EX) on the file for as long as a read-write DB is
// open and readers need flock(LOCK_SH), so a process that kept the file open
// for the whole night would make `nightshift status` hang (or, with a
// timeout, fail) until morning. Instead:
//
//   - The bbolt file is opened for each operation and closed after it. The
//     exclusive lock is held for one transaction (a few milliseconds, mostly
//     the two fsyncs), the shared lock for one read. Opening is cheap next to
//     the fsyncs of a commit; see BenchmarkPutTrial for the figures.
//   - Single-writer is enforced by a second lock: a read-write Open takes
//     flock(LOCK_EX) on FILE.lock and keeps it until Close, so a second run
//     on the same journal gets ErrLocked naming the holder's pid at once.
//     The kernel drops it when the process dies; Writer reports whether a
//     run is in progress.
//   - A read-only Open takes no run lock and waits at most Options.Timeout
//     for the shared lock of each operation before returning ErrLocked.
//
// The alternative of the writer publishing a snapshot (Tx.WriteTo to a temp
// file, fsync, rename) after every commit costs a full copy of the journal
// per trial state, growing with the study; it was rejected (see the
// benchmarks in journal_bench_test.go).
//
// The journal knows nothing of planners, models or metrics' directions: it
// stores what the experiment package hands it and returns it unchanged.
package journal
