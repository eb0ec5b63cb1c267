package journal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// A real failed write: the child limits its file size with RLIMIT_FSIZE, so
// the kernel fails bbolt's truncate or pwrite past the limit with EFBIG, the
// same path as ENOSPC on a full disk. (Go ignores the SIGXFSZ that comes with
// it.) The child reports the error as cmd would and exits 1; every trial it
// acknowledged before must still be intact, and the journal must stay usable.
func TestDiskFullWriteFailsClearlyAndKeepsEarlierRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	const limit = 256 << 10
	cmd, sc, _ := helper(t, "fsize-writer", path, "JOURNAL_FSIZE="+strconv.Itoa(limit))
	acked := map[uint64]bool{}
	var errLine string
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "done "); ok {
			v, _ := strconv.ParseUint(id, 10, 64)
			acked[v] = true
			continue
		}
		errLine = line
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child exit: %v, want exit status 1", err)
	}
	t.Logf("%d trials before the failure; child said: %s", len(acked), errLine)
	for _, want := range []string{"ERR journal " + path, "write failed, the disk is full or the file size limit was reached", "file too large", "everything journaled before it is intact", ErrDiskFull.Error()} {
		if !strings.Contains(errLine, want) {
			t.Errorf("error line lacks %q:\n%s", want, errLine)
		}
	}
	if len(acked) < 10 {
		t.Fatalf("only %d trials before the limit; the limit should allow dozens", len(acked))
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() > limit {
		t.Fatalf("journal size %v (limit %d): %v", fi.Size(), limit, err)
	}

	// Reopen read-write: the failed commit left no trace, earlier records
	// are intact, and the journal accepts writes again.
	checkAfterKill(t, path, acked, 3000, "after the failed write")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	trials, _ := j.ListTrials("crash")
	for id := range acked {
		tr, err := j.GetTrial("crash", id)
		if err != nil || !sameTrial(tr, helperTrial(id, TrialDone, 3000)) {
			t.Fatalf("acknowledged trial %d after the failed write: got trial %d, %v", id, tr.ID, err)
		}
	}
	stale, err := j.MarkStaleRunningInterrupted("crash")
	if err != nil {
		t.Fatal(err)
	}
	id, err := j.PutTrial("crash", Trial{State: TrialDone, SpecHash: "after-the-failure"})
	if err != nil {
		t.Fatalf("write after the failure: %v", err)
	}
	t.Logf("%d trials stored, %d re-queued, next id %d", len(trials), len(stale), id)
}

func TestIsDiskFullRecognisesWrappedAndFormattedCauses(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&os.PathError{Op: "write", Path: "j.db", Err: syscall.ENOSPC}, true},
		{fmt.Errorf("commit: %w", syscall.EDQUOT), true},
		{errors.New("file resize error: truncate j.db: file too large"), true}, // bbolt's %s-formatted grow error
		{syscall.EIO, false},
		{errors.New("permission denied"), false},
	}
	for _, tc := range tests {
		if got := isDiskFull(tc.err); got != tc.want {
			t.Errorf("isDiskFull(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
