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
	f *os.File
}

// Holder describes the process holding a journal's run lock.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
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
			who := "another process"
			if herr == nil && h.PID != 0 {
				who = fmt.Sprintf("process %d on %s (since %s)", h.PID, h.Host, h.Since.Format(time.RFC3339))
			}
			return nil, fmt.Errorf("journal %s is held by %s, which is running a study; wait for it to end, stop it, or use a read-only command (status, trials, report): %w", path, who, ErrLocked)
		}
		time.Sleep(lockPoll)
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(b, 0) // informative only; the flock is what excludes
	}
	return &runLock{f: f}, nil
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
