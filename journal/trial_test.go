package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPutTrialLifeCycle(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	id, err := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "a", Model: "gbdt"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		to   TrialState
		ok   bool
	}{
		{"running to done", TrialDone, true},
		{"done rewritten as done (holdout added)", TrialDone, true},
		{"done back to running", TrialRunning, false},
		{"done to failed", TrialFailed, false},
	}
	for _, tc := range tests {
		_, err := j.PutTrial("s", Trial{ID: id, State: tc.to, SpecHash: "a"})
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("%s: err = %v, want ErrInvalidTransition", tc.name, err)
		}
	}
	if _, err := j.PutTrial("s", Trial{ID: id, State: TrialDone, SpecHash: "other"}); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("changing the spec hash: err = %v, want ErrInvalidRecord", err)
	}
	if _, err := j.PutTrial("s", Trial{State: "finished"}); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), `"finished"`) {
		t.Errorf("bad state: err = %v", err)
	}
	if _, err := j.PutTrial("s", Trial{State: TrialRunning, Spec: json.RawMessage(`{"x":`)}); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("bad spec JSON: err = %v", err)
	}
	if _, err := j.PutTrial("ghost", Trial{State: TrialRunning}); !errors.Is(err, ErrUnknownStudy) {
		t.Errorf("unknown study: err = %v", err)
	}
	got, _ := j.GetTrial("s", id)
	if got.State != TrialDone || got.SpecHash != "a" {
		t.Fatalf("trial after refused changes = %+v", got)
	}
}

func TestPutTrialRefusesDuplicateSpecUnlessInterrupted(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	first, _ := j.PutTrial("s", Trial{State: TrialDone, SpecHash: "same"})
	_, err := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "same"})
	if !errors.Is(err, ErrDuplicateSpec) || !strings.Contains(err.Error(), "trial 1") {
		t.Fatalf("duplicate of a done trial: err = %v", err)
	}
	stale, _ := j.PutTrial("s", Trial{State: TrialInterrupted, SpecHash: "again"})
	rerun, err := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "again"})
	if err != nil {
		t.Fatalf("re-running an interrupted spec under a new id: %v", err)
	}
	got, err := j.TrialBySpecHash("s", "again")
	if err != nil || got.ID != rerun || rerun == stale {
		t.Fatalf("TrialBySpecHash = %+v, %v; want id %d", got, err, rerun)
	}
	got, err = j.TrialBySpecHash("s", "same")
	if err != nil || got.ID != first {
		t.Fatalf("TrialBySpecHash(same) = %+v, %v", got, err)
	}
	if _, err := j.TrialBySpecHash("s", "never"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TrialBySpecHash(never) err = %v", err)
	}
}

// TestSplitIsPartOfATrialsIdentity: a spec runs once per fold split; the
// split and the reason are read back, also by a scores-only snapshot, and
// a trial's split never changes.
func TestSplitIsPartOfATrialsIdentity(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	spec := json.RawMessage(`{"features":"","model":"logreg","params":{"C":"1"},"seed":42}`)
	base := Trial{State: TrialDone, SpecHash: "h", Spec: spec, Model: "logreg", Params: map[string]string{"C": "1"}, Seed: 42, Reason: "builtin: search"}
	first, err := j.PutTrial("s", base)
	if err != nil {
		t.Fatal(err)
	}
	on := func(k int) Trial {
		r := base
		r.State, r.Split, r.Of, r.Reason = TrialRunning, k, first, fmt.Sprintf("race: re-evaluate #%d on split %d", first, k)
		return r
	}
	tests := []struct {
		name string
		t    Trial
		want error
	}{
		{"same spec, split 0 again", Trial{State: TrialRunning, SpecHash: "h"}, ErrDuplicateSpec},
		{"split 1", on(1), nil},
		{"split 1 again", on(1), ErrDuplicateSpec},
		{"split 2", on(2), nil},
		{"a split without the trial it re-evaluates", Trial{State: TrialRunning, SpecHash: "h", Split: 3}, ErrInvalidRecord},
		{"a negative split", Trial{State: TrialRunning, SpecHash: "h", Split: -1, Of: first}, ErrInvalidRecord},
	}
	var ids []uint64
	for _, tc := range tests {
		id, err := j.PutTrial("s", tc.t)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if err == nil {
			ids = append(ids, id)
		}
	}
	moved := on(1)
	moved.ID, moved.Split = ids[0], 5
	if _, err := j.PutTrial("s", moved); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("changing a trial's split: %v, want ErrInvalidRecord", err)
	}
	got, err := j.GetTrial("s", ids[1])
	if err != nil || got.Split != 2 || got.Of != first || got.Reason != "race: re-evaluate #1 on split 2" || got.Model != "logreg" {
		t.Fatalf("re-evaluation read back: %+v, %v", got, err)
	}
	snap, err := j.SnapshotWith("s", SnapshotOptions{ScoresOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := snap.Trials[2]; s.Split != 2 || s.Of != first {
		t.Fatalf("scores-only read of the split-2 trial: split %d of %d", s.Split, s.Of)
	}
	if _, err := j.TrialBySpecHash("s", "h"); err != nil {
		t.Fatalf("the split-0 trial is still found by its hash: %v", err)
	}
}

func TestNextTrialIDReservesAndPutTrialKeepsSequenceAhead(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	a, _ := j.NextTrialID("s")
	b, _ := j.NextTrialID("s")
	if a != 1 || b != 2 {
		t.Fatalf("NextTrialID = %d, %d; want 1, 2", a, b)
	}
	if id, err := j.PutTrial("s", Trial{ID: 10, State: TrialRunning}); err != nil || id != 10 {
		t.Fatalf("PutTrial(ID 10) = %d, %v", id, err)
	}
	if id, _ := j.PutTrial("s", Trial{State: TrialRunning}); id != 11 {
		t.Fatalf("next auto id after explicit 10 = %d, want 11", id)
	}
	if id, _ := j.PutTrial("s", Trial{ID: b, State: TrialRunning}); id != b {
		t.Fatalf("writing reserved id %d returned %d", b, id)
	}
	trials, err := j.ListTrials("s")
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, tr := range trials {
		ids = append(ids, tr.ID)
	}
	if want := []uint64{2, 10, 11}; len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Fatalf("ListTrials ids = %v, want %v (ordered)", ids, want)
	}
}

func TestMarkStaleRunningInterrupted(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	r1, _ := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "r1", Worker: 0})
	j.PutTrial("s", Trial{State: TrialDone, SpecHash: "d"})
	r2, _ := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "r2", Worker: 1})
	stale, err := j.MarkStaleRunningInterrupted("s")
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 2 || stale[0].ID != r1 || stale[1].ID != r2 || stale[0].State != TrialInterrupted || stale[1].SpecHash != "r2" {
		t.Fatalf("stale = %+v", stale)
	}
	c, _ := j.CountTrials("s")
	if c != (TrialCounts{Done: 1, Interrupted: 2}) || c.Total() != 3 {
		t.Fatalf("counts = %+v", c)
	}
	// Re-queued under the same id and spec, then finished.
	if _, err := j.PutTrial("s", Trial{ID: r1, State: TrialRunning, SpecHash: "r1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.PutTrial("s", Trial{ID: r1, State: TrialDone, SpecHash: "r1"}); err != nil {
		t.Fatal(err)
	}
	again, _ := j.MarkStaleRunningInterrupted("s")
	if len(again) != 0 {
		t.Fatalf("second pass found %d stale", len(again))
	}
}
