//go:build linux

package journal

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The reader-priority gate (Linux). flock(2) does not queue its waiters:
// when the writer drops its exclusive lock every waiter is woken and the
// first to run wins, and a writer committing back to back is usually first.
// So a reader announces itself before it waits: it takes an open-file-
// description (OFD) read lock on byte 0 of the journal file, on the
// descriptor it will hand to bbolt, and the writer, before each exclusive
// flock, waits until it can take a write lock on that byte, that is until
// no reader is waiting or reading. OFD byte-range locks and flock locks are
// independent on Linux, so the gate does not disturb bbolt's own locking;
// the reader's OFD lock goes away when bbolt closes the descriptor.
//
// No deadlock: the writer never waits at the gate while it holds the flock,
// and a reader holding the gate only waits for a flock held by a writer
// that is inside a transaction, which ends without waiting for anything.

// gateByte is the byte range the gate locks.
func gateByte(typ int16) *unix.Flock_t {
	return &unix.Flock_t{Type: typ, Whence: 0, Start: 0, Len: 1}
}

// announceReader takes the reader's gate lock. It may briefly fail while a
// writer is passing the gate; the reader then retries for a few ms and
// otherwise goes on without priority (the gate only adds fairness).
func announceReader(f *os.File) {
	for i := 0; i < 20; i++ {
		err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, gateByte(unix.F_RDLCK))
		if err == nil || !(errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINTR)) {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// waitForReaders returns once no reader holds the gate, polling every
// 500µs for at most timeout.
func waitForReaders(f *os.File, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, gateByte(unix.F_WRLCK))
		if err == nil {
			return unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, gateByte(unix.F_UNLCK))
		}
		if !(errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINTR)) {
			return fmt.Errorf("journal %s: reader gate: %w", path, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("journal %s: readers kept the file for more than %s: %w", path, timeout, ErrLocked)
		}
		time.Sleep(500 * time.Microsecond)
	}
}
