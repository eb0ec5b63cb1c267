package journal

import "errors"

// Sentinel errors. Every error the journal returns that a caller may want to
// act on wraps one of these, with the file, study or record at fault named in
// the message; test them with errors.Is.
var (
	// ErrNoJournal is returned by a read-only Open when the file does not exist.
	ErrNoJournal = errors.New("no journal")

	// ErrNotJournal is returned when the file is a bbolt database (or not even
	// that) but not a nightshift journal.
	ErrNotJournal = errors.New("not a nightshift journal")

	// ErrNewerSchema is returned when the journal, or one of its records, was
	// written by a newer nightshift than this one; nothing is changed.
	ErrNewerSchema = errors.New("journal written by a newer nightshift")

	// ErrOlderSchema is returned by a read-only Open of a journal whose schema
	// must first be upgraded by a read-write Open.
	ErrOlderSchema = errors.New("journal needs an upgrade")

	// ErrLocked is returned when another running process holds the journal: a
	// second writer while a run is in progress, or a reader that cannot get
	// bbolt's shared lock within Options.Timeout.
	ErrLocked = errors.New("journal held by another process")

	// ErrReadOnly is returned by a write on a journal opened with
	// Options.ReadOnly.
	ErrReadOnly = errors.New("journal opened read-only")

	// ErrClosed is returned by any operation after Close.
	ErrClosed = errors.New("journal closed")

	// ErrUnknownStudy is returned when no study has the given name.
	ErrUnknownStudy = errors.New("unknown study")

	// ErrStudyExists is returned by CreateStudy when the name is taken.
	ErrStudyExists = errors.New("study already exists")

	// ErrInvalidName is returned for a study name outside [A-Za-z0-9._-]{1,100}.
	ErrInvalidName = errors.New("invalid study name")

	// ErrNotFound is returned when a trial, round or event does not exist.
	ErrNotFound = errors.New("not found")

	// ErrDuplicateSpec is returned by PutTrial when a new trial's spec hash
	// already belongs to another trial of the study that is not interrupted:
	// the same spec is never run twice.
	ErrDuplicateSpec = errors.New("spec already run in this study")

	// ErrInvalidTransition is returned by PutTrial for a state change the
	// trial life cycle does not allow (for example done → running).
	ErrInvalidTransition = errors.New("invalid trial state change")

	// ErrInvalidRecord is returned for a record that cannot be stored or read
	// back: a missing field, invalid JSON in a raw field, a corrupt value.
	ErrInvalidRecord = errors.New("invalid record")

	// ErrDiskFull is returned when a write failed because the disk is full,
	// the user's quota is exhausted or the file size limit was reached
	// (ENOSPC, EDQUOT, EFBIG). The failed transaction was rolled back; every
	// record committed before it is intact.
	ErrDiskFull = errors.New("disk full")
)
