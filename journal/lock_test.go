package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestSecondWriterGetsErrLockedNamingHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	cmd, _, stdin := helper(t, "hold", path)
	pid := cmd.Process.Pid

	start := time.Now()
	_, err := Open(path, Options{Timeout: 200 * time.Millisecond})
	waited := time.Since(start)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", pid)) {
		t.Fatalf("second writer: %v", err)
	}
	if waited < 200*time.Millisecond || waited > 2*time.Second {
		t.Errorf("second writer waited %v, want about the 200ms timeout", waited)
	}
	h, held, err := Writer(path)
	if err != nil || !held || h.PID != pid {
		t.Fatalf("Writer = %+v, %v, %v; want pid %d", h, held, err, pid)
	}
	// A reader is not refused while the run holds the journal.
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open during a run: %v", err)
	}
	if _, err := r.ListStudies(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreateStudy(Study{Name: "x", ConfigVersion: 1, Config: []byte(`{}`)}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write through a read-only journal: %v", err)
	}
	r.Close()

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, held, _ := Writer(path); held {
		t.Fatal("Writer still reports a holder after it exited")
	}
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after the holder exited: %v", err)
	}
	j.Close()
}

func TestReaderReadsWhileWriterCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	// Trials of 5ms: a writer committing ~200 times a second, far more
	// often than a real run. (Back to back, with no pause at all, the kernel
	// does not queue flock waiters fairly and a reader can wait a while on an
	// overloaded machine; bbolt's own 50ms polling fared far worse there.)
	cmd, _, _ := helper(t, "crash-writer", path, "JOURNAL_PAUSE=5ms")
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	r, err := Open(path, Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var worst time.Duration
	first, last := -1, -1
	deadline := time.Now().Add(1500 * time.Millisecond)
	calls := 0
	for time.Now().Before(deadline) {
		start := time.Now()
		c, err := r.CountTrials("crash")
		if err != nil {
			t.Fatalf("read %d during the run: %v", calls, err)
		}
		worst = max(worst, time.Since(start))
		if first < 0 {
			first = c.Done
		}
		last = c.Done
		calls++
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%d reads during the run, slowest %v, done trials %d → %d", calls, worst, first, last)
	if last <= first {
		t.Errorf("the run made no progress while being read: done %d → %d", first, last)
	}
	if worst > time.Second {
		t.Errorf("slowest read took %v", worst)
	}
}

func TestReaderTimesOutWhenAnotherProcessKeepsFileOpen(t *testing.T) {
	j, path := openTemp(t)
	newStudy(t, j, "s")
	j.Close()
	// A foreign tool keeping the file open read-write holds bbolt's exclusive
	// flock; flock conflicts between open files even inside one process.
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	_, err = Open(path, Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
	waited := time.Since(start)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "300ms") {
		t.Fatalf("reader beside a foreign writer: %v", err)
	}
	if waited > 2*time.Second {
		t.Fatalf("reader waited %v past its 300ms timeout", waited)
	}
}
