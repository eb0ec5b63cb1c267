package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv selects a helper mode: the test binary re-executed as a child
// process that writes a journal, so tests can kill it, limit its file size
// or read beside it.
const helperEnv = "NIGHTSHIFT_JOURNAL_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode, os.Getenv("JOURNAL_PATH")))
	}
	os.Exit(m.Run())
}

// helperTrial is the deterministic trial the writer helpers journal for id,
// so the parent can check every acknowledged record field by field.
func helperTrial(id uint64, state TrialState, payload int) Trial {
	x := float64(id)
	t := Trial{
		ID: id, State: state, SpecHash: fmt.Sprintf("spec-%d", id),
		Spec:  json.RawMessage(fmt.Sprintf(`{"model":"gbdt","seed":%d}`, id)),
		Model: "gbdt", Seed: int64(id), Metric: "auc", Worker: int(id % 2),
		Params: map[string]string{"num_leaves": strconv.FormatUint(id, 10)},
	}
	if state == TrialDone {
		t.FoldScores = []float64{x / 1e4, x/1e4 + 0.5, math.NaN()}
		t.Mean, t.Std = x/1e4+0.25, 0.25
		t.BestIteration = []int{int(id), int(id) + 1, 0}
		t.Stack = strings.Repeat("s", payload)
	}
	return t
}

func runHelper(mode, path string) int {
	switch mode {
	case "crash-writer", "fsize-writer":
		return helperWriter(mode, path)
	case "compact":
		return helperCompact(path)
	case "hold":
		j, err := Open(path, Options{})
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		if err := j.Announce("night", "run"); err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin) // hold the run lock until the parent closes stdin
		j.Close()
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// helperWriter plays a run: it re-queues what a killed predecessor left
// running, then writes trials running → done forever (pausing JOURNAL_PAUSE
// before each, 0 by default), printing "done ID" after each done commit
// returned. With mode fsize-writer it first limits
// its file size (RLIMIT_FSIZE), so bbolt's writes fail with EFBIG as on a
// full disk, and prints "ERR <message>" and exits 1 on the first failure,
// as cmd would.
func helperWriter(mode, path string) int {
	payload := 200
	if mode == "fsize-writer" {
		limit, _ := strconv.ParseUint(os.Getenv("JOURNAL_FSIZE"), 10, 64)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Println("ERR setrlimit:", err)
			return 2
		}
		payload = 3000
	}
	fail := func(err error) int {
		fmt.Println("ERR", err)
		return 1
	}
	j, err := Open(path, Options{Timeout: 5 * time.Second})
	if err != nil {
		return fail(err)
	}
	defer j.Close()
	if _, err := j.GetStudy("crash"); errors.Is(err, ErrUnknownStudy) {
		if _, err := j.CreateStudy(Study{Name: "crash", ConfigVersion: 1, Config: json.RawMessage(`{}`)}); err != nil {
			return fail(err)
		}
	}
	stale, err := j.MarkStaleRunningInterrupted("crash")
	if err != nil {
		return fail(err)
	}
	pause, _ := time.ParseDuration(os.Getenv("JOURNAL_PAUSE")) // stands for training time
	fmt.Println("ready")
	run := func(id uint64) error {
		time.Sleep(pause)
		if _, err := j.PutTrial("crash", helperTrial(id, TrialRunning, 0)); err != nil {
			return err
		}
		if _, err := j.PutTrial("crash", helperTrial(id, TrialDone, payload)); err != nil {
			return err
		}
		fmt.Println("done", id)
		return nil
	}
	for _, t := range stale {
		if err := run(t.ID); err != nil {
			return fail(err)
		}
	}
	for {
		id, err := j.NextTrialID("crash")
		if err != nil {
			return fail(err)
		}
		if err := run(id); err != nil {
			return fail(err)
		}
	}
}

// helper starts the test binary in a helper mode on the journal at path and
// waits for its "ready" line. The returned scanner reads the rest of its
// stdout.
func helper(t *testing.T, mode, path string, env ...string) (*exec.Cmd, *bufio.Scanner, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, helperEnv+"="+mode, "JOURNAL_PATH="+path)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper %s did not get ready: %q %v", mode, sc.Text(), sc.Err())
	}
	return cmd, sc, stdin
}
