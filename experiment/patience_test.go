package experiment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// A study whose incumbent stops changing ends at --patience, long before
// its budget, and says why in its summary, its end event and status.
func TestAStudyThatPlateausStopsAtItsPatience(t *testing.T) {
	db := filepath.Join(t.TempDir(), "j.db")
	cfg := testConfig()
	cfg.MaxTrials = 0
	cfg.Budget = Duration(3 * time.Minute)
	cfg.Patience = Duration(3 * time.Second)
	sum, err := Run(context.Background(), RunOptions{DB: db, Study: "s", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sum.StopReason, "no significant improvement for 3s (--patience") || sum.Elapsed >= time.Minute {
		t.Fatalf("stopped after %s: %q; want the patience to end it", sum.Elapsed, sum.StopReason)
	}
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	events, err := j.ListEvents("s")
	if err != nil {
		t.Fatal(err)
	}
	var last, improved journal.Event
	for _, e := range events {
		if e.Kind == EventIncumbent {
			improved = e
		}
		last = e
	}
	if improved.Kind == "" {
		t.Fatal("no incumbent event journaled")
	}
	if last.Kind != journal.EventFinish || last.Details["reason"] != sum.StopReason || !strings.Contains(last.Message, "no significant improvement") {
		t.Fatalf("end event %s %q %v; want finish with the reason", last.Kind, last.Message, last.Details)
	}
	if gap := last.Time.Sub(improved.Time); gap < 3*time.Second {
		t.Errorf("stopped %s after the last improvement, patience 3s", gap)
	}
	st, err := studyview.ReadStatus(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	if st.ImprovedAt == nil || !st.ImprovedAt.Equal(improved.Time.UTC()) {
		t.Errorf("status improved_at %v, want %v", st.ImprovedAt, improved.Time)
	}
}
