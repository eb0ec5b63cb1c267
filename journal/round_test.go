package journal

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
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

// TestRoundWithoutLLMFieldsReadsAsBefore: a round written before the LLM
// fields (path, repair, request hash, replay, attempts; proposal IDs,
// parents and tune lists) existed reads back with them zero and
// everything else intact, and LinkProposal refuses it by name.
func TestRoundWithoutLLMFieldsReadsAsBefore(t *testing.T) {
	j, err := Open(t.TempDir()+"/j.db", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	newStudy(t, j, "s")
	type oldProposal struct {
		SpecHash   string          `json:"spec_hash,omitempty"`
		Spec       json.RawMessage `json:"spec,omitempty"`
		Hypothesis string          `json:"hypothesis,omitempty"`
	}
	type oldRound struct {
		versioned
		ID        uint64        `json:"id"`
		Planner   string        `json:"planner"`
		Prompt    string        `json:"prompt,omitempty"`
		TokensIn  int           `json:"tokens_in"`
		TokensOut int           `json:"tokens_out"`
		Accepted  []oldProposal `json:"accepted,omitempty"`
	}
	err = j.appendRecord("s", bucketRounds, func(id uint64) any {
		return oldRound{versioned: current(), ID: id, Planner: "builtin", Prompt: "warm start", TokensIn: 0,
			Accepted: []oldProposal{{SpecHash: "h", Spec: json.RawMessage(`{"model":"gbdt"}`), Hypothesis: "defaults"}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	rounds, err := j.ListRounds("s")
	if err != nil || len(rounds) != 1 {
		t.Fatalf("ListRounds: %v, %v", rounds, err)
	}
	r := rounds[0]
	if r.Planner != "builtin" || r.Prompt != "warm start" || r.Path != "" || r.RequestHash != "" || r.Repaired || r.Attempts != 0 ||
		len(r.Accepted) != 1 || r.Accepted[0].ID != "" || r.Accepted[0].Hypothesis != "defaults" || r.Accepted[0].Tune != nil {
		t.Errorf("old round read as %+v", r)
	}
	if err := j.LinkProposal("s", 1, "1.1", 7); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), `no accepted proposal "1.1"`) {
		t.Errorf("LinkProposal on an old round: %v", err)
	}
}
