package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestJournalFromNewerSchemaIsRefused writes a journal whose schema version
// is beyond this build's and checks every command refuses it by name.
func TestJournalFromNewerSchemaIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s", "--db", db, "--max-trials", "1", "--folds", "3")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	b, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 99))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status", "--db", db}, {"resume", "--study", "s", "--db", db}} {
		code, _, errs := runCmd(t, args...)
		if code != exitFailure || !strings.Contains(errs, "newer") || !strings.Contains(errs, "j.db") {
			t.Errorf("%v: exit %d, %q; want a refusal naming the file and the newer schema", args, code, errs)
		}
	}
}

// TestDiskFullWriteIsReportedAndKeepsTheJournal runs a study in a child
// whose file size limit (RLIMIT_FSIZE) makes the journal's writes fail
// with EFBIG, as a full disk does: the run must fail with a clear message
// and what was committed before must stay readable.
func TestDiskFullWriteIsReportedAndKeepsTheJournal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s", "--db", db, "--max-trials", "2", "--folds", "3")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	st, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	cmd := nightshiftCmd(t, "resume", "--study", "s", "--db", db, "--max-trials", "400")
	cmd.Env = append(cmd.Env, "NIGHTSHIFT_TEST_FSIZE="+itoa64(st.Size()))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("resume with a full disk succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "disk full") {
		t.Errorf("message does not say the disk is full:\n%s", out)
	}
	code, stdout, errs := runCmd(t, "trials", "--study", "s", "--db", db)
	if code != 0 || strings.Count(stdout, "\n#") < 2 {
		t.Errorf("journal after the failed write: exit %d %s\n%s", code, errs, stdout)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// limitFileSize applies NIGHTSHIFT_TEST_FSIZE in a child (see TestMain).
func limitFileSize() {
	v := os.Getenv("NIGHTSHIFT_TEST_FSIZE")
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return
	}
	syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
}

// TestSecondRunIsRefusedWhileStatusReads starts a study in a child process;
// while it runs, a second run on the same journal is refused at once with
// the holder named, and status reads the journal without waiting.
func TestSecondRunIsRefusedWhileStatusReads(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	child := nightshiftCmd(t, "run", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--study", "s", "--db", db, "--budget", "30s", "--folds", "3")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out, _ := runCmd(t, "status", "--db", db)
		if code == 0 && strings.Contains(out, "running (pid") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the running study: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	start := time.Now()
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "other", "--db", db, "--max-trials", "1")
	if code != exitFailure || !strings.Contains(errs, "is held by process") || !strings.Contains(errs, "j.db") {
		t.Errorf("second run: exit %d, %q", code, errs)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the refusal took %s", time.Since(start))
	}
}

func TestHoldoutScoresTopTrialsOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "h", "--db", db, "--max-trials", "4", "--folds", "3", "--holdout-split", "modulo")
	if code != 0 {
		t.Fatalf("run: %d %s", code, errs)
	}
	for _, final := range []string{"ensemble", "bag", "refit"} {
		code, out, errs := runCmd(t, "holdout", "--study", "h", "--db", db, "--top", "2", "--final", final, "--json")
		if code != 0 {
			t.Fatalf("holdout --final %s: %d %s", final, code, errs)
		}
		var scores []struct {
			Trial   int
			Final   string
			Holdout struct {
				Rows int     `json:"rows"`
				AUC  float64 `json:"auc"`
			}
		}
		want := 2
		if final == "ensemble" {
			want = 3 // the ensemble, then the top 2 trials' bags
		}
		if err := json.Unmarshal([]byte(out), &scores); err != nil || len(scores) != want {
			t.Fatalf("holdout --json: %v %s", err, out)
		}
		for i, s := range scores {
			wantFinal := final
			if final == "ensemble" && i > 0 {
				wantFinal = "bag"
			}
			// modulo split of 200 rows by 5: rows 4, 9, …, 199 are the holdout.
			if s.Holdout.Rows != 40 || s.Holdout.AUC <= 0 || s.Holdout.AUC > 1 || s.Final != wantFinal {
				t.Errorf("trial %d: holdout %+v (%s), want 40 rows and an AUC of the %s model", s.Trial, s.Holdout, s.Final, wantFinal)
			}
		}
	}
	if code, _, errs := runCmd(t, "holdout", "--study", "h", "--db", db, "--final", "best"); code != 2 || !strings.Contains(errs, "--final") {
		t.Errorf("holdout --final best: exit %d, %s", code, errs)
	}
	for _, bad := range [][]string{{"--ensemble", "0"}, {"--ensemble-cost", "-1"}} {
		if code, _, errs := runCmd(t, append([]string{"holdout", "--study", "h", "--db", db}, bad...)...); code != 2 || !strings.Contains(errs, bad[0]) {
			t.Errorf("holdout %v: exit %d, %s", bad, code, errs)
		}
	}
}

// TestSIGINTStopsGracefullyWithExit130: the first SIGINT stops issuing
// trials, lets running ones finish, journals the interruption and exits
// 130; resume then continues the study.
func TestSIGINTStopsGracefullyWithExit130(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	child := nightshiftCmd(t, "run", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--study", "s", "--db", db, "--budget", "5m", "--folds", "3", "--grace", "20s")
	var errb strings.Builder
	child.Stderr = &errb
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out, _ := runCmd(t, "status", "--study", "s", "--db", db, "--json")
		var st struct{ Trials struct{ Done, Pruned int } }
		if code == 0 && json.Unmarshal([]byte(out), &st) == nil && st.Trials.Done+st.Trials.Pruned >= 1 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("no trial finished within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGINT)
	err := child.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v, want %d\n%s", err, exitInterrupted, errb.String())
	}
	if !strings.Contains(errb.String(), "nightshift resume --study s") {
		t.Errorf("stderr does not say how to resume:\n%s", errb.String())
	}
	code, out, _ := runCmd(t, "status", "--study", "s", "--db", db, "--json")
	var st struct {
		State  string
		Trials struct{ Running int }
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.State != "interrupted" || st.Trials.Running != 0 {
		t.Errorf("after SIGINT: %s", out)
	}
	code, _, errs := runCmd(t, "resume", "--study", "s", "--db", db, "--max-trials", "1")
	if code != 0 {
		t.Errorf("resume after SIGINT: exit %d %s", code, errs)
	}
}
