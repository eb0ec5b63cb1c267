package experiment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
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
	j.Close()

	// The patience is the study's search time, not the session's: resumed
	// with most of its budget left, the study that has already waited its
	// patience stops before its first trial instead of waiting 3 s again.
	before := st.Trials
	sum, err = Run(context.Background(), RunOptions{DB: db, Study: "s", Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sum.StopReason, "no significant improvement for 3s (--patience") || sum.Elapsed >= 3*time.Second {
		t.Fatalf("resumed study stopped after %s: %q; want the spent patience to end it at once", sum.Elapsed, sum.StopReason)
	}
	if c := sum.Trials; c.Done+c.Pruned+c.Failed != before.Done+before.Pruned+before.Failed {
		t.Errorf("the resumed session ran trials: %+v, before %+v", c, before)
	}
}

// The search time since the incumbent last changed is counted over the
// sessions, never over the gaps between them.
func TestPatienceCountsSearchTimeOverSessions(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	events := []journal.Event{
		{Kind: journal.EventStart, Time: at(0)},
		{Kind: EventIncumbent, Time: at(10)},
		{Kind: journal.EventFinish, Time: at(30)}, // 20 minutes after the change
		{Kind: journal.EventResume, Time: at(100)},
		{Kind: journal.EventInterrupt, Time: at(105)}, // 5 more
		{Kind: journal.EventResume, Time: at(200)},    // died: its last trial ended at 207
	}
	trials := []journal.Trial{{ID: 1, State: journal.TrialDone, Finished: at(9)}, {ID: 2, State: journal.TrialPruned, Finished: at(207)}}
	inc := trials[0]
	last, waited := patienceSpent(events, trials, &inc)
	if !last.Equal(at(10)) || waited != 32*time.Minute {
		t.Errorf("patienceSpent = %s, %s; want the incumbent event's time and 20+5+7 minutes", last, waited)
	}
	// A study from before incumbent events: the replayed incumbent's end.
	last, waited = patienceSpent(events[:1:1], trials[:1], &inc)
	if !last.Equal(at(9)) || waited != 0 {
		t.Errorf("without events: %s, %s; want trial 1's end and no search time after it", last, waited)
	}
}

// A study from before incumbent events gets its replayed incumbent
// journaled when it is resumed, stamped when that trial ended, so status
// says since when nothing improved; a study that has the events gets none.
func TestResumeBackfillsTheIncumbentOfAnOlderStudy(t *testing.T) {
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.CreateStudy(journal.Study{Name: "old", ConfigVersion: ConfigVersion, Config: []byte(`{"metric":"auc"}`)}); err != nil {
		t.Fatal(err)
	}
	ended := time.Date(2026, 12, 6, 22, 17, 0, 0, time.UTC)
	inc := journal.Trial{ID: 3, State: journal.TrialDone, Finished: ended}
	events := []journal.Event{{Kind: journal.EventStart}, {Kind: journal.EventFinish}}
	if err := backfillIncumbent(j, "old", events, &inc); err != nil {
		t.Fatal(err)
	}
	got, err := j.ListEvents("old")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Kind != EventIncumbent || !got[0].Time.Equal(ended) || got[0].Details["trial"] != "3" {
		t.Fatalf("events after the backfill: %+v", got)
	}
	st, err := studyview.ReadStatus(j, "old")
	if err != nil {
		t.Fatal(err)
	}
	if st.ImprovedAt == nil || !st.ImprovedAt.Equal(ended) {
		t.Errorf("status improved_at %v, want %v", st.ImprovedAt, ended)
	}
	if err := backfillIncumbent(j, "old", got, &inc); err != nil {
		t.Fatal(err)
	}
	if again, _ := j.ListEvents("old"); len(again) != 1 {
		t.Errorf("%d events after a second resume, want the one backfilled", len(again))
	}
}

// The planners' history shares the session's trials (copy on write) and
// reads its seen hashes in place, but what History.Accept accepts stays
// the history's own: a shared set made the session count specs its own
// check then rejected as run, and made each call's first choices look
// taken to the next. What the session queues after the call is seen by
// the call (the view is live, not a copy).
func TestHistoryIsACopyWhereThePlannerWrites(t *testing.T) {
	s := &session{cfg: testConfig(), search: &Search{}, seen: plan.NewSeenSet("a"), trialAt: map[uint64]int{}, specOf: map[uint64]TrialSpec{}, ran: map[string]bool{}}
	s.putTrialLocked(journal.Trial{ID: 1, State: journal.TrialRunning, Spec: []byte(`{"features":"","model":"logreg","params":{"C":"1"},"seed":7}`)})
	h := s.history()
	h.Validate = nil // the study's own check needs its data; this test has none
	spec := plan.TrialSpec{Model: plan.ModelLogreg, Params: map[string]string{"C": "2"}, Seed: 7}
	norm, why := h.Accept(spec)
	if why != "" {
		t.Fatalf("Accept: %s", why)
	}
	if s.seen.Has(norm.Hash()) {
		t.Error("a spec the planner accepted is in the session's seen hashes")
	}
	if _, why := h.Accept(spec); why == "" {
		t.Error("the history accepted the same spec twice")
	}
	queued := plan.TrialSpec{Model: plan.ModelLogreg, Params: map[string]string{"C": "3"}, Seed: 7}
	n, _ := queued.Normalize()
	s.seen.Add(n.Hash())
	if _, why := h.Accept(queued); why == "" {
		t.Error("a spec the session queued after the history was handed out is not seen by it")
	}
	if !h.Base.Has("a") || h.Base.Len() != 2 {
		t.Errorf("the history's view of the seen hashes holds %d, want the session's 2", h.Base.Len())
	}
	s.putTrialLocked(journal.Trial{ID: 1, State: journal.TrialDone, Mean: 0.9, Spec: []byte(`{"features":"","model":"logreg","params":{"C":"1"},"seed":7}`)})
	if h.Trials[0].State != journal.TrialRunning {
		t.Errorf("the history handed out changed under the planner: %s", h.Trials[0].State)
	}
	if h2 := s.history(); len(h2.Trials) != 1 || h2.Trials[0].State != journal.TrialDone {
		t.Errorf("the next history: %+v", h2.Trials)
	}
}
