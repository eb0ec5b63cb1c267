package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", pid)) ||
		!strings.Contains(err.Error(), "running `nightshift run` on study \"night\"") {
		t.Fatalf("second writer: %v", err)
	}
	if waited < 200*time.Millisecond || waited > 2*time.Second {
		t.Errorf("second writer waited %v, want about the 200ms timeout", waited)
	}
	h, held, err := Writer(path)
	if err != nil || !held || h.PID != pid || h.Study != "night" || h.Command != "run" {
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
	// A writer committing back to back (pause 0: hundreds of commits a
	// second, far more than a real run) and one whose trials take 5ms.
	for _, pause := range []string{"0s", "5ms"} {
		t.Run("pause="+pause, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.db")
			cmd, _, _ := helper(t, "crash-writer", path, "JOURNAL_PAUSE="+pause)
			defer func() { cmd.Process.Kill(); cmd.Wait() }()

			r, err := Open(path, Options{ReadOnly: true, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var took []time.Duration
			first, last := -1, -1
			for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
				start := time.Now()
				c, err := r.CountTrials("crash")
				if err != nil {
					t.Fatalf("read %d during the run: %v", len(took), err)
				}
				took = append(took, time.Since(start))
				if first < 0 {
					first = c.Done
				}
				last = c.Done
				time.Sleep(10 * time.Millisecond)
			}
			slices.Sort(took)
			median, worst := took[len(took)/2], took[len(took)-1]
			t.Logf("%d reads during the run: median %v, slowest %v; done trials %d → %d", len(took), median, worst, first, last)
			if last <= first {
				t.Errorf("the run made no progress while being read: done %d → %d", first, last)
			}
			// The slowest read includes whatever fsync the writer is in,
			// which other processes' disk traffic can stretch; the median
			// shows whether readers get their turn.
			if median > 100*time.Millisecond || worst > DefaultTimeout {
				t.Errorf("reads took median %v, slowest %v", median, worst)
			}
		})
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
