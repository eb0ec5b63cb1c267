package studyview

import (
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// TestWallTimeAtAddsUpSessions: search time maps to wall time across a
// study's sessions (the gap between them does not count), a session that
// died ends at its last finished trial, and events other commands
// journaled after a session's end do not lengthen it.
func TestWallTimeAtAddsUpSessions(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	at := func(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }
	events := []journal.Event{
		{Kind: journal.EventStart, Time: at(0)},
		{Kind: journal.EventBudgetExhausted, Time: at(10)},
		{Kind: "promote", Time: at(30)}, // another command, after the session
		{Kind: journal.EventResume, Time: at(60)},
		// died: no end event; its last trial finished at 65
	}
	trials := []journal.Trial{{ID: 1, Finished: at(5)}, {ID: 2, Finished: at(65)}}
	if got := Elapsed(events, trials); got != 15*time.Minute {
		t.Errorf("Elapsed = %s, want 15m (10 + 5)", got)
	}
	cases := []struct {
		d    time.Duration
		want time.Time
		ok   bool
	}{
		{4 * time.Minute, at(4), true},
		{10 * time.Minute, at(60), true}, // the first session's end is the second's start
		{12 * time.Minute, at(62), true},
		{15 * time.Minute, time.Time{}, false},
		{time.Hour, time.Time{}, false},
	}
	for _, c := range cases {
		got, ok := WallTimeAt(events, trials, c.d)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("WallTimeAt(%s) = %s, %v; want %s, %v", c.d, got, ok, c.want, c.ok)
		}
	}
}
