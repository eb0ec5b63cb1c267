package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killLoop runs the crash-writer helper kills times on one journal, SIGKILLs
// it at a random moment each time, and after each kill checks the journal:
// it opens, no ID or spec is duplicated, and every trial the child reported
// done is there, done, with every field it wrote.
func killLoop(t *testing.T, kills int, maxDelay time.Duration, seed uint64) {
	path := filepath.Join(t.TempDir(), "j.db")
	rng := rand.New(rand.NewPCG(seed, 1))
	acked := map[uint64]bool{}
	for k := 0; k < kills; k++ {
		cmd, sc, _ := helper(t, "crash-writer", path)
		lines := make(chan string, 1<<16)
		go func() {
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.Sleep(time.Duration(rng.Int64N(int64(maxDelay))))
		sigkill(t, cmd, k)
		n := 0
		for line := range lines {
			id, ok := strings.CutPrefix(line, "done ")
			if !ok {
				t.Fatalf("kill %d: child said %q", k, line)
			}
			v, err := strconv.ParseUint(id, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			acked[v] = true
			n++
		}
		checkAfterKill(t, path, acked, 200, fmt.Sprintf("kill %d (after %d trials this run)", k, n))
	}
	t.Logf("%d kills, %d trials acknowledged and intact", kills, len(acked))
	if len(acked) == 0 {
		t.Fatal("no trial was ever acknowledged: the test proved nothing")
	}
}

// sigkill kills the helper and checks that it died of it, not of its own.
func sigkill(t *testing.T, cmd *exec.Cmd, k int) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("kill %d: child ended with %v, not by SIGKILL", k, err)
	}
}

func checkAfterKill(t *testing.T, path string, acked map[uint64]bool, payload int, when string) {
	t.Helper()
	j, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("%s: journal does not open: %v", when, err)
	}
	defer j.Close()
	trials, err := j.ListTrials("crash")
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	seen := map[uint64]bool{}
	specs := map[string]uint64{}
	for i, tr := range trials {
		if i > 0 && tr.ID <= trials[i-1].ID {
			t.Fatalf("%s: trial ids out of order: %d after %d", when, tr.ID, trials[i-1].ID)
		}
		if seen[tr.ID] {
			t.Fatalf("%s: trial id %d twice", when, tr.ID)
		}
		seen[tr.ID] = true
		if other, dup := specs[tr.SpecHash]; dup {
			t.Fatalf("%s: spec %s in trials %d and %d", when, tr.SpecHash, other, tr.ID)
		}
		specs[tr.SpecHash] = tr.ID
		if tr.State != TrialDone && tr.State != TrialRunning && tr.State != TrialInterrupted {
			t.Fatalf("%s: trial %d in state %s", when, tr.ID, tr.State)
		}
		if tr.State == TrialDone && !sameTrial(tr, helperTrial(tr.ID, TrialDone, payload)) {
			t.Fatalf("%s: trial %d differs from what was written: %+v", when, tr.ID, tr.record())
		}
	}
	for id := range acked {
		if !seen[id] {
			t.Fatalf("%s: acknowledged trial %d is missing", when, id)
		}
	}
	for _, tr := range trials {
		if acked[tr.ID] && tr.State != TrialDone {
			t.Fatalf("%s: acknowledged trial %d is %s", when, tr.ID, tr.State)
		}
	}
}

func TestCrashBySIGKILLLosesNothingAcknowledged(t *testing.T) {
	killLoop(t, 12, 400*time.Millisecond, uint64(time.Now().UnixNano()))
}
