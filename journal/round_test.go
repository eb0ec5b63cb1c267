package journal

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestRoundsAndEventsAppendInOrder(t *testing.T) {
	now := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	j, err := Open(t.TempDir()+"/j.db", Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	newStudy(t, j, "s")
	r := Round{
		Planner: "llm", Prompt: "propose 4 trials", Reply: `[{"model":"gbdt"}]`,
		TokensIn: 1200, TokensOut: 340, Latency: 2500 * time.Millisecond,
		Accepted: []Proposal{{SpecHash: "h1", Spec: json.RawMessage(`{"model":"gbdt"}`), Hypothesis: "deeper trees", TrialID: 5, ID: "1.1", Parent: 3, Tune: []string{"num_leaves"}}},
		Rejected: []Proposal{{SpecHash: "h2", Reason: `unknown column "amout" (did you mean "amount"?)`}},
		Path:     "json_object", Repaired: true, RequestHash: "abc123", Attempts: 2,
	}
	for i := 0; i < 3; i++ {
		id, err := j.AddRound("s", r)
		if err != nil || id != uint64(i+1) {
			t.Fatalf("AddRound #%d = %d, %v", i, id, err)
		}
	}
	rounds, err := j.ListRounds("s")
	if err != nil || len(rounds) != 3 {
		t.Fatalf("ListRounds = %d rounds, %v", len(rounds), err)
	}
	want := r
	want.ID, want.Time = 2, now
	if !reflect.DeepEqual(rounds[1], want) {
		t.Fatalf("round 2 = %+v\nwant %+v", rounds[1], want)
	}
	if in, out, err := j.TokensSpent("s"); in != 3600 || out != 1020 || err != nil {
		t.Fatalf("TokensSpent = %d, %d, %v; want 3600, 1020", in, out, err)
	}
	if _, err := j.AddRound("s", Round{}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("round without planner: %v", err)
	}

	kinds := []EventKind{EventStart, EventFallback, EventInterrupt, EventResume, EventBudgetExhausted}
	for _, k := range kinds {
		if _, err := j.AddEvent("s", Event{Kind: k, Message: string(k) + " happened", Details: map[string]string{"k": string(k)}}); err != nil {
			t.Fatal(err)
		}
	}
	events, err := j.ListEvents("s")
	if err != nil || len(events) != len(kinds) {
		t.Fatalf("ListEvents = %v, %v", events, err)
	}
	for i, e := range events {
		if e.ID != uint64(i+1) || e.Kind != kinds[i] || !e.Time.Equal(now) || e.Details["k"] != string(kinds[i]) {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	if _, err := j.AddEvent("s", Event{Kind: "Budget Exhausted"}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("bad kind: %v", err)
	}
	if _, err := j.ListEvents("other"); !errors.Is(err, ErrUnknownStudy) {
		t.Fatalf("unknown study: %v", err)
	}
}
