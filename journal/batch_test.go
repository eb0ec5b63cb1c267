package journal

import (
	"errors"
	"testing"
)

// A batch is one transaction: trials (running then ended in the same
// batch), a proposal link and events land together, and a batch with one
// bad change writes nothing of the others.
func TestCommitWritesABatchWholeOrNotAtAll(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	rid, err := j.AddRound("s", Round{Planner: "builtin", Accepted: []Proposal{{SpecHash: "h1", Spec: []byte(`{"model":"gbdt"}`), Hypothesis: "h"}}})
	if err != nil {
		t.Fatal(err)
	}
	last, err := j.LastTrialID("s")
	if err != nil || last != 0 {
		t.Fatalf("LastTrialID of an empty study = %d, %v", last, err)
	}
	done := fullTrial()
	done.ID, done.Round = 1, rid
	running := done
	running.State, running.FoldScores = TrialRunning, nil
	other := fullTrial()
	other.ID, other.SpecHash, other.State = 2, "h2", TrialRunning
	b := Batch{Trials: []Trial{running, other, done}, Links: []Link{{Round: rid, Proposal: ProposalID(rid, 0), Trial: 1}},
		Events: []Event{{Kind: "incumbent", Message: "trial #1"}, {Kind: "verdict"}}}
	if err := j.Commit("s", b); err != nil {
		t.Fatal(err)
	}
	got, err := j.GetTrial("s", 1)
	if err != nil || !sameTrial(got, done) {
		t.Fatalf("trial 1 after the batch: %+v, %v", got, err)
	}
	if last, _ := j.LastTrialID("s"); last != 2 {
		t.Fatalf("LastTrialID = %d, want 2", last)
	}
	rounds, _ := j.ListRounds("s")
	if rounds[0].Accepted[0].TrialID != 1 {
		t.Fatalf("proposal linked to %d, want 1", rounds[0].Accepted[0].TrialID)
	}
	events, _ := j.ListEvents("s")
	if len(events) != 2 || events[0].ID != 1 || events[1].ID != 2 || events[0].Time.IsZero() {
		t.Fatalf("events %+v", events)
	}

	// Trial 2 may not go from running back to nothing-new: a done trial
	// cannot run again, so the whole batch fails and trial 3 is not written.
	third := fullTrial()
	third.ID, third.SpecHash, third.State = 3, "h3", TrialRunning
	again := done
	again.State = TrialRunning
	bad := Batch{Trials: []Trial{third, again}, Events: []Event{{Kind: "finish"}}}
	if err := j.Commit("s", bad); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("Commit with a forbidden transition: %v", err)
	}
	if _, err := j.GetTrial("s", 3); !errors.Is(err, ErrNotFound) {
		t.Fatalf("trial 3 of a failed batch: %v, want not found", err)
	}
	if events, _ := j.ListEvents("s"); len(events) != 2 {
		t.Fatalf("%d events after a failed batch, want 2", len(events))
	}
	if err := j.Commit("s", Batch{Trials: []Trial{{State: TrialRunning}}}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("a batched trial without an ID: %v", err)
	}
}
