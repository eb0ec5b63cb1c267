package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// TestMain lets a test start this binary as the nightshift command: with
// NIGHTSHIFT_MAIN_ARGS set (a JSON list), it runs main's logic and exits.
func TestMain(m *testing.M) {
	if args := os.Getenv("NIGHTSHIFT_MAIN_ARGS"); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Args = append([]string{"nightshift"}, list...)
		limitFileSize()
		main()
		return
	}
	os.Exit(m.Run())
}

func nightshiftCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NIGHTSHIFT_MAIN_ARGS="+string(b))
	return cmd
}

type snapshot map[uint64]journal.Trial

func readSnapshot(t *testing.T, db string) snapshot {
	t.Helper()
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatalf("journal does not open after a kill: %v", err)
	}
	defer j.Close()
	trials, err := j.ListTrials("crash")
	if err != nil {
		t.Fatalf("trials unreadable after a kill: %v", err)
	}
	s := snapshot{}
	hashes := map[string]uint64{}
	for _, tr := range trials {
		if _, dup := s[tr.ID]; dup {
			t.Fatalf("trial id %d appears twice", tr.ID)
		}
		if other, dup := hashes[tr.SpecHash]; dup {
			t.Fatalf("trials %d and %d share a spec", other, tr.ID)
		}
		hashes[tr.SpecHash] = tr.ID
		s[tr.ID] = tr
	}
	return s
}

// checkKept verifies that every trial finished in before is unchanged in after.
func checkKept(t *testing.T, before, after snapshot) {
	t.Helper()
	for id, b := range before {
		if b.State != journal.TrialDone && b.State != journal.TrialPruned && b.State != journal.TrialFailed {
			continue
		}
		a, ok := after[id]
		if !ok {
			t.Fatalf("finished trial %d lost after a kill", id)
		}
		if a.State != b.State || fmt.Sprint(a.FoldScores) != fmt.Sprint(b.FoldScores) || a.Mean != b.Mean {
			t.Fatalf("finished trial %d changed after a kill: %v %v → %v %v", id, b.State, b.FoldScores, a.State, a.FoldScores)
		}
	}
}

// finishedIn counts the finished trials of a snapshot.
func finishedIn(s snapshot) int {
	n := 0
	for _, tr := range s {
		switch tr.State {
		case journal.TrialDone, journal.TrialFailed, journal.TrialPruned:
			n++
		}
	}
	return n
}

// midRun polls the journal (a reader, as status is) until at least
// finished trials have finished and one is running, and reports true; it
// reports false when the session ends first (its result is then still in
// done for the caller).
func midRun(db string, finished int, done chan error) bool {
	return pollTrials(db, "crash", done, func(trials []journal.Trial) bool {
		n, running := 0, false
		for _, tr := range trials {
			switch tr.State {
			case journal.TrialDone, journal.TrialFailed, journal.TrialPruned:
				n++
			case journal.TrialRunning:
				running = true
			}
		}
		return n >= finished && running
	})
}

// pollTrials reads the study's trials every 10 ms until ok says true of
// them (true) or the session ends (false; its result is then still in
// done for the caller). A journal that does not open yet (the first
// session is creating it) is polled again.
func pollTrials(db, study string, done chan error, ok func([]journal.Trial) bool) bool {
	for {
		select {
		case err := <-done:
			done <- err
			return false
		case <-time.After(10 * time.Millisecond):
		}
		j, err := studyview.OpenReadOnly(db)
		if err != nil {
			continue
		}
		trials, err := j.ListTrials(study)
		j.Close()
		if err == nil && ok(trials) {
			return true
		}
	}
}

// TestSIGKILLLosesNothing kills a running study 20 times at random moments;
// after each kill the journal opens, finished trials are intact, no id or
// spec is duplicated; then resume finishes the trial budget.
func TestSIGKILLLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	kills := 20
	if v := os.Getenv("NIGHTSHIFT_CRASH_KILLS"); v != "" {
		fmt.Sscan(v, &kills)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "j.db")
	// Each session is killed after it finished a random 0–2 trials and
	// while one runs (plus 0–80 ms): kill moments follow the study's own
	// progress, not the clock, so the test kills mid-run on a quiet
	// machine, where the whole study takes about a second, as on a loaded
	// one. Four trials per kill leave every session work to be killed in.
	maxTrials := 4 * kills
	killed := 0
	rng := rand.New(rand.NewPCG(1, 2))
	prev := snapshot{}
	for k := 0; k < kills; k++ {
		args := []string{"run", "--data", shipped + "sms_spam.csv", "--target", "is_spam", "--study", "crash", "--db", db,
			"--max-trials", fmt.Sprint(maxTrials), "--folds", "3", "--workers", "2"}
		if k > 0 {
			args = []string{"resume", "--study", "crash", "--db", db}
		}
		cmd := nightshiftCmd(t, args...)
		var errb strings.Builder
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if midRun(db, finishedIn(prev)+rng.IntN(3), done) {
			time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		} else if err := <-done; err != nil {
			// Finished before the kill: the budget is spent.
			t.Fatalf("session %d failed: %v\n%s", k, err, errb.String())
		}
		now := readSnapshot(t, db)
		checkKept(t, prev, now)
		prev = now
	}
	// Resume until the budget of trials is spent.
	for i := 0; i < 5; i++ {
		out, err := nightshiftCmd(t, "resume", "--study", "crash", "--db", db).CombinedOutput()
		if err != nil {
			t.Fatalf("final resume: %v\n%s", err, out)
		}
		s := readSnapshot(t, db)
		checkKept(t, prev, s)
		prev = s
		finished := 0
		for _, tr := range s {
			switch tr.State {
			case journal.TrialDone, journal.TrialFailed, journal.TrialPruned:
				finished++
			case journal.TrialRunning:
				t.Errorf("trial %d still running after a clean resume", tr.ID)
			}
		}
		if finished >= maxTrials {
			t.Logf("%d sessions killed mid-run, %d trials finished in all", killed, finished)
			if killed < kills/2 {
				t.Errorf("only %d of %d sessions were killed mid-run: the workload is too small to test crashes", killed, kills)
			}
			return
		}
	}
	t.Fatalf("resume did not finish the %d-trial budget", maxTrials)
}

func TestStatusAndTrialsJSONKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	code, _, errs := runCmd(t, "run", "--data", shipped+"criteo_200.csv", "--target", "label", "--study", "s1", "--db", db, "--max-trials", "3", "--folds", "3")
	if code != 0 {
		t.Fatalf("run: exit %d %s", code, errs)
	}
	code, out, errs := runCmd(t, "status", "--study", "s1", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("status: %d %s", code, errs)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"study", "state", "trials", "best", "planner", "llm_tokens"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status --json lacks %q", k)
		}
	}
	tr := st["trials"].(map[string]any)
	if tr["done"].(float64)+tr["pruned"].(float64)+tr["failed"].(float64) != 3 {
		t.Errorf("trials %v, want 3 finished", tr)
	}
	code, out, _ = runCmd(t, "trials", "--study", "s1", "--db", db, "--json")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 3 {
		t.Fatalf("trials --json: exit %d, %s", code, out)
	}
	for _, k := range []string{"id", "state", "score", "std", "fold_scores", "model", "features", "params", "hypothesis", "seconds"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("trials --json lacks %q", k)
		}
	}
	code, _, errs = runCmd(t, "status", "--study", "nope", "--db", db)
	if code != exitFailure || !strings.Contains(errs, "nope") {
		t.Errorf("unknown study: exit %d %q", code, errs)
	}
}

// TestKilledSessionsTrialsAreNotRunning: after kill -9 of a run, status,
// trials and export show the dead session's running trial as interrupted
// (they showed "running" forever), and resume re-runs it under its id.
func TestKilledSessionsTrialsAreNotRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	db := filepath.Join(t.TempDir(), "j.db")
	cmd := nightshiftCmd(t, "run", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--study", "crash", "--db", db,
		"--max-trials", "8", "--folds", "3", "--workers", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !midRun(db, 1, done) {
		t.Skip("the run finished before it could be killed")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	var killed []uint64
	for id, tr := range readSnapshot(t, db) {
		if tr.State == journal.TrialRunning {
			killed = append(killed, id)
		}
	}
	if len(killed) == 0 {
		t.Fatal("no trial journaled running after the kill")
	}
	code, out, _ := runCmd(t, "status", "--study", "crash", "--db", db, "--json")
	var st studyview.Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.State != "interrupted" || st.Trials.Running != 0 || st.Trials.Interrupted != len(killed) {
		t.Errorf("status --json: exit %d, %s; want state interrupted, 0 running, %d interrupted", code, out, len(killed))
	}
	for _, args := range [][]string{{"trials", "--json"}, {"trials", "--json", "--top", "20"}, {"export", "--json"}} {
		code, out, _ := runCmd(t, append(args, "--study", "crash", "--db", db)...)
		out = strings.ReplaceAll(out, `": "`, `":"`) // indented or not
		if code != 0 || strings.Contains(out, `"state":"running"`) || !strings.Contains(out, `"state":"interrupted"`) {
			t.Errorf("%v: exit %d; want trials interrupted, none running:\n%s", args, code, out)
		}
	}
	if code, _, errs := runCmd(t, "resume", "--study", "crash", "--db", db, "--max-trials", fmt.Sprint(len(killed))); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, errs)
	}
	after := readSnapshot(t, db)
	for _, id := range killed {
		if s := after[id].State; s != journal.TrialDone && s != journal.TrialPruned {
			t.Errorf("trial %d is %s after resume, want it re-run", id, s)
		}
	}
}
