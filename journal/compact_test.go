package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// compactFixture writes a study of n trials, a round per four and an
// event per round through the journal API, with big stacks so that the
// file is a few MiB and compacting it takes a while; done trials are
// written twice (running, then done), which leaves free pages behind.
func compactFixture(t *testing.T, path string, n int) Snapshot {
	t.Helper()
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	newStudy(t, j, "s")
	for i := 1; i <= n; i++ {
		if i%4 == 1 {
			var accepted []Proposal
			for k := i; k < i+4; k++ {
				spec, _ := realSpec(fmt.Sprint(k))
				accepted = append(accepted, Proposal{SpecHash: fmt.Sprintf("h%d", k), Spec: spec, Hypothesis: "TPE over gbdt parameters"})
			}
			if _, err := j.AddRound("s", Round{Planner: "builtin", Prompt: "builtin: TPE", Accepted: accepted}); err != nil {
				t.Fatal(err)
			}
			if _, err := j.AddEvent("s", Event{Kind: "note", Message: fmt.Sprint("round for trial ", i)}); err != nil {
				t.Fatal(err)
			}
		}
		_, tr := realSpec(fmt.Sprint(i))
		tr.SpecHash, tr.State, tr.Hypothesis, tr.Round = fmt.Sprintf("h%d", i), TrialRunning, "TPE over gbdt parameters", uint64((i+3)/4)
		if _, err := j.PutTrial("s", tr); err != nil {
			t.Fatal(err)
		}
		tr.ID, tr.State, tr.FoldScores, tr.Mean = uint64(i), TrialDone, []float64{0.8, float64(i) / 1e4}, 0.4+float64(i)/2e4
		tr.Stack = string(make([]byte, 8000))
		if _, err := j.PutTrial("s", tr); err != nil {
			t.Fatal(err)
		}
	}
	s, err := j.Snapshot("s")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameSnapshot(t *testing.T, path string, want Snapshot, when string) {
	t.Helper()
	j, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("%s: journal does not open: %v", when, err)
	}
	defer j.Close()
	got, err := j.Snapshot("s")
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	got.Writer, got.WriterRunning = want.Writer, want.WriterRunning
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: the study reads back differently (%d trials, %d rounds, %d events; want %d, %d, %d)", when, len(got.Trials), len(got.Rounds), len(got.Events), len(want.Trials), len(want.Rounds), len(want.Events))
	}
}

func TestCompactKeepsEverythingAndShrinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	want := compactFixture(t, path, 60)
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Compact()
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if res.After != fi.Size() || res.After >= res.Before {
		t.Fatalf("compact: %+v, file now %d bytes; want smaller and equal to After", res, fi.Size())
	}
	// The journal goes on after a compaction: sequences were kept.
	id, err := j.NextTrialID("s")
	if err != nil || id != 61 {
		t.Fatalf("next trial id after compaction: %d, %v; want 61", id, err)
	}
	j.Close()
	want.Writer, want.WriterRunning = Holder{}, false
	sameSnapshot(t, path, want, "after compaction")
	if _, err := os.Stat(path + compactSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left behind: %v", err)
	}
	r, _ := Open(path, Options{ReadOnly: true})
	defer r.Close()
	if _, err := r.Compact(); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("compact through a read-only journal: %v", err)
	}
}

// TestCompactNeverGrowsTheJournal: a compaction whose new file is not
// smaller than the journal (a tiny journal in 4 KiB pages, rewritten in 16
// KiB ones, grew from 131,072 to 163,840 bytes) leaves the journal as it
// was and says so; a larger one still shrinks it. Either way the study
// reads back the same and no temporary file is left.
func TestCompactNeverGrowsTheJournal(t *testing.T) {
	cases := []struct {
		trials int
		kept   bool // the journal is left as it was
	}{
		{0, true},
		{1, true},
		{60, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.trials, " trials"), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.db")
			want := compactFixture(t, path, c.trials)
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			before, _ := os.ReadFile(path)
			res, err := j.Compact()
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(path)
			if res.Kept != c.kept || res.After != fi.Size() || res.After > res.Before || res.Kept != (res.After == res.Before) {
				t.Fatalf("compact: %+v, file now %d bytes; want kept %v, never larger", res, fi.Size(), c.kept)
			}
			if after, _ := os.ReadFile(path); c.kept && string(after) != string(before) {
				t.Fatal("a kept journal was rewritten")
			}
			j.Close()
			want.Writer, want.WriterRunning = Holder{}, false
			sameSnapshot(t, path, want, "after compaction")
			if _, err := os.Stat(path + compactSuffix); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("temporary file left behind: %v", err)
			}
		})
	}
}

// TestCompactionKilledLosesNothing SIGKILLs a process compacting the
// journal at moments spread over a compaction, and checks after each kill
// that the journal opens and reads back exactly as before.
func TestCompactionKilledLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	want := compactFixture(t, path, 400)
	want.Writer, want.WriterRunning = Holder{}, false
	// How long one compaction takes here, to spread the kills over it.
	timing := filepath.Join(t.TempDir(), "timing.db")
	data, _ := os.ReadFile(path)
	os.WriteFile(timing, data, 0o644)
	j, err := Open(timing, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	one := time.Since(start)
	j.Close()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	kills, midway := 10, 0
	for k := 0; k < kills; k++ {
		cmd, _, _ := helper(t, "compact", path)
		delay := time.Duration(rng.Int64N(int64(2 * one)))
		time.Sleep(delay)
		sigkill(t, cmd, k)
		if _, err := os.Stat(path + compactSuffix); err == nil {
			midway++
		}
		sameSnapshot(t, path, want, fmt.Sprintf("kill %d after %s (a compaction takes %s)", k, delay, one))
	}
	t.Logf("%d kills, %d of them with a compaction's new file half written; one compaction takes %s", kills, midway, one)
	if midway == 0 {
		t.Fatal("no kill landed during a compaction: the test proved nothing")
	}
	// The next writer opens it (and compacts over the leftover file).
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	sameSnapshot(t, path, want, "after a compaction that ran to the end")
}

// helperCompact compacts the journal over and over until killed.
func helperCompact(path string) int {
	j, err := Open(path, Options{})
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	fmt.Println("ready")
	for {
		if _, err := j.Compact(); err != nil {
			fmt.Println("ERR", err)
			return 1
		}
	}
}
