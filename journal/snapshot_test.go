package journal

import (
	"errors"
	"os"
	"testing"
)

func TestSnapshotReadsWholeStudyConsistently(t *testing.T) {
	j, path := openTemp(t)
	want := newStudy(t, j, "s")
	newStudy(t, j, "other")
	j.AddRound("s", Round{Planner: "builtin", TokensIn: 0})
	id, _ := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "a", Round: 1})
	j.PutTrial("s", Trial{ID: id, State: TrialDone, SpecHash: "a", Round: 1, FoldScores: []float64{0.8}, Mean: 0.8})
	j.AddEvent("s", Event{Kind: EventStart})
	j.PutTrial("other", Trial{State: TrialDone, SpecHash: "b"})

	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, err := r.Snapshot("s")
	if err != nil {
		t.Fatal(err)
	}
	if s.Study.Name != "s" || string(s.Study.Config) != string(want.Config) {
		t.Fatalf("study = %+v", s.Study)
	}
	if len(s.Trials) != 1 || s.Trials[0].State != TrialDone || s.Trials[0].Mean != 0.8 {
		t.Fatalf("trials = %+v (the other study's trial must not appear)", s.Trials)
	}
	if len(s.Rounds) != 1 || s.Rounds[0].Planner != "builtin" || len(s.Events) != 1 || s.Events[0].Kind != EventStart {
		t.Fatalf("rounds = %+v, events = %+v", s.Rounds, s.Events)
	}
	// The writer j still holds the run lock in this process.
	if !s.WriterRunning || s.Writer.PID != os.Getpid() {
		t.Fatalf("Snapshot writer = %+v, %v; want this process (%d)", s.Writer, s.WriterRunning, os.Getpid())
	}
	if _, err := r.Snapshot("nope"); !errors.Is(err, ErrUnknownStudy) {
		t.Fatalf("unknown study: %v", err)
	}
}
