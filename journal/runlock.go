package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// lockSuffix names the run-lock file next to the journal: FILE.lock.
const lockSuffix = ".lock"

// lockPoll is how often a lock held by another process is retried.
const lockPoll = 20 * time.Millisecond

// runLock is the writer's exclusive flock on FILE.lock, held from Open to
// Close. It makes the journal single-writer across processes while the bbolt
// file itself is only locked for the length of one transaction. The kernel
// drops a flock when its process dies, so a SIGKILLed run never leaves a
// stale lock; the file itself is left in place (removing it would race with
// a process that has just opened it).
type runLock struct {
	f      *os.File
	holder Holder
}

// Holder describes the process holding a journal's run lock.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
	// Study and Command say what the holder is doing, once it has said so
	// with Announce (empty before).
	Study   string `json:"study,omitempty"`
	Command string `json:"command,omitempty"`
}

// LockedError is a read-write Open refused because another process holds
// the journal's run lock; it wraps ErrLocked. Holder is zero when the lock
// file did not say who.
type LockedError struct {
	Path   string
	Holder Holder
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.Holder.PID != 0 {
		who = e.Holder.describe()
	}
	return fmt.Sprintf("journal %s is held by %s; a journal has one writer at a time: %v", e.Path, who, ErrLocked)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// describe names the holder for an error message.
func (h Holder) describe() string {
	who := fmt.Sprintf("process %d on %s (since %s)", h.PID, h.Host, h.Since.Format(time.RFC3339))
	switch {
	case h.Study != "" && h.Command != "":
		who += fmt.Sprintf(", running `nightshift %s` on study %q", h.Command, h.Study)
	case h.Study != "":
		who += fmt.Sprintf(", working on study %q", h.Study)
	}
	return who
}

func acquireRunLock(path string, timeout time.Duration) (*runLock, error) {
	name := path + lockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal %s: run lock %s: %w", path, name, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("journal %s: run lock %s: %w", path, name, err)
		}
		if time.Now().After(deadline) {
			h, herr := readHolder(f)
			f.Close()
			if herr != nil || h.PID == 0 {
				h = Holder{}
			}
			return nil, &LockedError{Path: path, Holder: h}
		}
		time.Sleep(lockPoll)
	}
	host, _ := os.Hostname()
	l := &runLock{f: f, holder: Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC()}}
	_ = l.write(l.holder) // informative only; the flock is what excludes
	return l, nil
}

// write records h in the lock file; informative only (the flock is what
// excludes).
func (l *runLock) write(h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err = l.f.WriteAt(b, 0)
	return err
}

func (l *runLock) release() error {
	// Closing the descriptor drops the flock.
	return l.f.Close()
}

func readHolder(f *os.File) (Holder, error) {
	var h Holder
	b := make([]byte, 4096)
	n, err := f.ReadAt(b, 0)
	if n == 0 && err != nil {
		return h, err
	}
	return h, json.Unmarshal(b[:n], &h)
}

// Writer reports whether a process currently holds the run lock of the
// journal at path, that is whether a study is being run, and who it is. A
// study whose state says running while Writer reports none was cut short
// (crash, SIGKILL, power loss). Writer never creates or blocks on anything.
func Writer(path string) (Holder, bool, error) {
	f, err := os.Open(path + lockSuffix)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Holder{}, false, nil
		}
		return Holder{}, false, fmt.Errorf("journal %s: run lock: %w", path, err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return Holder{}, false, nil
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return Holder{}, false, fmt.Errorf("journal %s: run lock: %w", path, err)
	}
	h, _ := readHolder(f)
	return h, true, nil
}

// Announce records, in the run lock, which study this writer works on and
// with which command, so that a second writer refused with ErrLocked (and
// Writer) can name them. A read-only journal has no run lock: no-op.
func (j *Journal) Announce(study, command string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("journal %s: %w", j.path, ErrClosed)
	}
	if j.lock == nil {
		return nil
	}
	j.lock.holder.Study, j.lock.holder.Command = study, command
	if err := j.lock.write(j.lock.holder); err != nil {
		return fmt.Errorf("journal %s: run lock: %w", j.path, err)
	}
	return nil
}
