package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultTimeout is how long Open waits for a lock held by another process
// when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// writerTxWait bounds how long the writer waits for bbolt's exclusive lock
// while readers hold the shared one. Readers going through this package hold
// it for one read transaction (milliseconds); only a foreign tool keeping the
// file open can make the writer wait this long.
const writerTxWait = time.Minute

// Options configure Open. The zero value opens read-write with DefaultTimeout.
type Options struct {
	// ReadOnly opens the journal for reading only: no run lock is taken, the
	// file must exist, and every write returns ErrReadOnly. Use it for status,
	// trials and report, which may run while a study is being written.
	ReadOnly bool

	// Timeout is how long Open waits for a lock held by another process
	// before returning ErrLocked: the run lock for a writer, bbolt's shared
	// lock for a reader (per operation). Zero means DefaultTimeout.
	Timeout time.Duration

	// Now is the clock used to stamp records whose time is left zero
	// (study creation and updates, rounds, events). Nil means time.Now.
	Now func() time.Time
}

// Journal is an open nightshift journal. It is safe for concurrent use by
// multiple goroutines; operations are serialised inside the process.
//
// The bbolt file is opened for each operation and closed right after it (see
// the package documentation for why): no bbolt handle outlives a call.
type Journal struct {
	path string
	opts Options

	mu     sync.Mutex // serialises operations; guards closed
	closed bool
	lock   *runLock // nil when read-only
}

// Open opens the journal at path. A read-write Open creates the file if it
// does not exist, takes the run lock (returning ErrLocked, with the holder's
// pid, if another process holds it), upgrades an older schema and refuses a
// newer one (ErrNewerSchema). A read-only Open needs an existing journal of
// the current schema and never blocks a writer for longer than one read
// transaction.
func Open(path string, opts Options) (*Journal, error) {
	if path == "" {
		return nil, errors.New("journal: empty path (use --db FILE or NIGHTSHIFT_DB)")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	j := &Journal{path: path, opts: opts}
	if opts.ReadOnly {
		fi, err := os.Stat(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("journal %s does not exist (a study is created by `nightshift run`): %w", path, ErrNoJournal)
			}
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
		if fi.Size() == 0 {
			// A writer died between creating the file and initialising it;
			// bbolt would try to initialise it through a read-only handle.
			return nil, fmt.Errorf("journal %s is empty (never initialised; a read-write open will set it up): %w", path, ErrNoJournal)
		}
		if err := j.view(checkSchema); err != nil {
			return nil, err
		}
		return j, nil
	}
	lk, err := acquireRunLock(path, opts.Timeout)
	if err != nil {
		return nil, err
	}
	j.lock = lk
	_, statErr := os.Stat(path)
	if err := j.update(func(tx *bolt.Tx) error { return migrate(tx, migrations) }); err != nil {
		_ = lk.release()
		return nil, err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		// bbolt fsyncs the file, not the directory entry of a new file.
		if err := syncDir(filepath.Dir(path)); err != nil {
			_ = lk.release()
			return nil, fmt.Errorf("journal %s: sync directory: %w", path, err)
		}
	}
	return j, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path returns the file the journal was opened from.
func (j *Journal) Path() string { return j.path }

// ReadOnly reports whether the journal was opened with Options.ReadOnly.
func (j *Journal) ReadOnly() bool { return j.opts.ReadOnly }

// Close releases the run lock. Further operations return ErrClosed. Closing
// twice is a no-op.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	if j.lock != nil {
		return j.lock.release()
	}
	return nil
}

// openBolt opens the bbolt file for one operation. The caller holds j.mu.
//
// The flock bbolt needs is taken here first, blocking, on the descriptor
// that is then handed to bbolt through Options.OpenFile; bbolt's own
// flock(LOCK_NB) on the same open file description succeeds at once. bbolt
// alone would poll with LOCK_NB every 50ms, and a writer committing back to
// back wins nearly every race against such a poller; a blocked flock waiter
// is instead woken by the kernel the moment the lock drops, so a reader
// waits for at most the transaction in progress.
func (j *Journal) openBolt(readOnly bool) (*bolt.DB, error) {
	timeout := writerTxWait
	if readOnly {
		timeout = j.opts.Timeout
	}
	f, err := lockFile(j.path, !readOnly, timeout)
	if err != nil {
		return nil, err
	}
	handed := false
	openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if !handed {
			handed = true
			return f, nil
		}
		return os.OpenFile(name, flag, perm)
	}
	db, err := bolt.Open(j.path, 0o644, &bolt.Options{ReadOnly: readOnly, Timeout: timeout, OpenFile: openFile})
	if !handed {
		f.Close()
	}
	if err == nil {
		return db, nil
	}
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("journal %s: bbolt lock not granted within %s: %w", j.path, timeout, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("journal %s is not a bbolt database or is damaged (%v): %w", j.path, err, ErrNotJournal)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("journal %s does not exist: %w", j.path, ErrNoJournal)
	}
	if isDiskFull(err) {
		return nil, fmt.Errorf("journal %s: cannot open: %v: %w", j.path, err, ErrDiskFull)
	}
	return nil, fmt.Errorf("journal %s: %w", j.path, err)
}

// lockFile opens the journal file and takes flock(2) on it, shared or
// exclusive, waiting at most timeout. A blocking flock cannot be cancelled,
// so on timeout the waiting goroutine is left to finish on its own: it
// closes the file (dropping the lock) as soon as the kernel grants it or the
// holder exits. That happens only when a process outside this package keeps
// the file open, and the caller then gives up with ErrLocked.
func lockFile(path string, exclusive bool, timeout time.Duration) (*os.File, error) {
	flag, how := os.O_RDONLY, syscall.LOCK_SH
	if exclusive {
		flag, how = os.O_RDWR|os.O_CREATE, syscall.LOCK_EX
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("journal %s does not exist: %w", path, ErrNoJournal)
		}
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if exclusive {
		if err := waitForReaders(f, path, timeout); err != nil {
			f.Close()
			return nil, err
		}
	} else {
		announceReader(f)
	}
	got := make(chan error, 1)
	go func() {
		for {
			err := syscall.Flock(int(f.Fd()), how)
			if err != syscall.EINTR {
				got <- err
				return
			}
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("journal %s: flock: %w", path, err)
		}
		return f, nil
	case <-timer.C:
		go func() { <-got; f.Close() }()
		if exclusive {
			return nil, fmt.Errorf("journal %s: no exclusive lock within %s: another process keeps the file open (a bbolt tool?); close it so the run can journal: %w", path, timeout, ErrLocked)
		}
		return nil, fmt.Errorf("journal %s: no shared lock within %s: another process keeps the file open for writing (a nightshift older than this one, or a bbolt tool); retry later or raise the timeout: %w", path, timeout, ErrLocked)
	}
}

// view runs fn in a read transaction on a freshly opened file.
func (j *Journal) view(fn func(tx *bolt.Tx) error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("journal %s: %w", j.path, ErrClosed)
	}
	db, err := j.openBolt(j.opts.ReadOnly)
	if err != nil {
		return err
	}
	err = db.View(fn)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("journal %s: close: %w", j.path, cerr)
	}
	return err
}

// update runs fn in one read-write transaction on a freshly opened file and
// commits it with fsync (bbolt's NoSync stays false): when update returns nil
// the change is on disk. A failed commit is rolled back by bbolt; since the
// handle is closed afterwards no in-memory state of the failed transaction
// survives either.
func (j *Journal) update(fn func(tx *bolt.Tx) error) error {
	if j.opts.ReadOnly {
		return fmt.Errorf("journal %s: %w", j.path, ErrReadOnly)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("journal %s: %w", j.path, ErrClosed)
	}
	db, err := j.openBolt(false)
	if err != nil {
		return err
	}
	err = db.Update(fn)
	cerr := db.Close()
	if err != nil {
		if isDiskFull(err) && !errors.Is(err, ErrDiskFull) {
			return fmt.Errorf("journal %s: write failed, the disk is full or the file size limit was reached (%v); nothing was written by this change, everything journaled before it is intact: %w", j.path, err, ErrDiskFull)
		}
		return err
	}
	if cerr != nil {
		return fmt.Errorf("journal %s: close after commit: %w", j.path, cerr)
	}
	return nil
}

// isDiskFull reports whether err comes from a full disk, an exhausted quota
// or the file size limit. bbolt formats some causes with %s (for example
// "file resize error: file too large"), which breaks the error chain, so the
// message is matched as well as the chain.
func isDiskFull(err error) bool {
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG} {
		if errors.Is(err, e) || strings.Contains(err.Error(), e.Error()) {
			return true
		}
	}
	return false
}

// appendRecord stores the record build(id) under the next sequence number of
// the study's nested bucket, in one transaction.
func (j *Journal) appendRecord(study string, bucket []byte, build func(id uint64) any) error {
	return j.update(func(tx *bolt.Tx) error { return appendTx(tx, study, bucket, build) })
}

// appendTx is appendRecord in tx.
func appendTx(tx *bolt.Tx, study string, bucket []byte, build func(id uint64) any) error {
	nb, err := studyNested(tx, study, bucket)
	if err != nil {
		return err
	}
	id, err := nb.NextSequence()
	if err != nil {
		return err
	}
	data, err := encodeRecord(fmt.Sprintf("study %q %s %d", study, bucket, id), build(id))
	if err != nil {
		return err
	}
	return nb.Put(seqKey(id), data)
}

// scan decodes every record of a study's nested bucket in key order into a
// fresh value from alloc and hands it to use.
func scan(tx *bolt.Tx, study string, bucket []byte, what string, alloc func() record, use func(record)) error {
	nb, err := studyNested(tx, study, bucket)
	if err != nil {
		return err
	}
	return decodeAll(nb, study, what, alloc, use)
}

// decodeAll decodes every record of nb in key order into a fresh value from
// alloc and hands it to use.
func decodeAll(nb *bolt.Bucket, study, what string, alloc func() record, use func(record)) error {
	return decodeEach(nb, study, what, alloc, func(r record) error { use(r); return nil })
}

// decodeEach is decodeAll with a use that may fail, which stops the scan.
func decodeEach(nb *bolt.Bucket, study, what string, alloc func() record, use func(record) error) error {
	return nb.ForEach(func(k, v []byte) error {
		rec := alloc()
		if err := decodeRecord(fmt.Sprintf("study %q %s key %x", study, what, k), v, rec); err != nil {
			return err
		}
		return use(rec)
	})
}
