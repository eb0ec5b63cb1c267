package studyview

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

var t0 = time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)

// newStudy writes a study with the given config and trials to a fresh
// journal and returns it opened read-write (the run lock held, as by a
// running study).
func newStudy(t *testing.T, cfg Config, state journal.StudyState, trials []journal.Trial, events []journal.Event) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.CreateStudy(journal.Study{Name: "s", State: state, ConfigVersion: ConfigVersion, Config: raw}); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		if _, err := j.PutTrial("s", tr); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range events {
		if _, err := j.AddEvent("s", e); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

// readBack opens the journal at path read-only, as status does, and
// reads study "s"; the journal closes with the test.
func readBack(t *testing.T, path string) (*Study, *journal.Journal) {
	t.Helper()
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	s, err := Read(r, "s")
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func done(id uint64, folds ...float64) journal.Trial {
	m, s := 0.0, 0.0
	for _, f := range folds {
		m += f
	}
	m /= float64(len(folds))
	for _, f := range folds {
		s += (f - m) * (f - m)
	}
	s = math.Sqrt(s / float64(len(folds)-1))
	return journal.Trial{ID: id, State: journal.TrialDone, Model: "gbdt", FoldScores: folds, Mean: m, Std: s,
		Started: t0.Add(time.Duration(id) * time.Minute), Finished: t0.Add(time.Duration(id)*time.Minute + 30*time.Second)}
}

// The pick is the best mean − SE, not the best mean: a trial whose mean
// rests on one lucky fold loses to a steadier one; for log loss the
// direction turns.
func TestLeaderIsBestLowerBound(t *testing.T) {
	lucky := done(1, 0.70, 0.70, 0.99)  // mean 0.797, SE 0.097
	steady := done(2, 0.78, 0.79, 0.78) // mean 0.783, SE 0.003
	worse := done(3, 0.60, 0.61, 0.60)
	pruned := journal.Trial{ID: 4, State: journal.TrialPruned, FoldScores: []float64{0.99}, Mean: 0.99}
	for _, tc := range []struct {
		metric string
		want   uint64
		board  []uint64
	}{
		{MetricAUC, 2, []uint64{1, 2, 3, 4}},
		{MetricLogLoss, 3, []uint64{3, 2, 1, 4}},
	} {
		trials := []journal.Trial{lucky, steady, worse, pruned}
		got, ok := Leader(tc.metric, trials)
		if !ok || got.ID != tc.want {
			t.Errorf("%s: leader = #%d (%v), want #%d", tc.metric, got.ID, ok, tc.want)
		}
		var ids []uint64
		for _, tr := range Leaderboard(trials, tc.metric) {
			ids = append(ids, tr.ID)
		}
		if !equalIDs(ids, tc.board) {
			t.Errorf("%s: leaderboard %v, want %v", tc.metric, ids, tc.board)
		}
	}
	if _, ok := Leader(MetricAUC, []journal.Trial{pruned}); ok {
		t.Error("a pruned trial became the leader")
	}
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Read decodes the config and reads one snapshot while the writer holds
// the journal; status agrees with the trials it was computed from.
func TestReadWhileStudyRuns(t *testing.T) {
	cfg := Config{Data: "d.csv", Target: "y", Metric: MetricAUC, Planner: "builtin", Budget: Duration(time.Hour), Folds: 3}
	running := journal.Trial{ID: 3, State: journal.TrialRunning, Model: "logreg", Started: t0.Add(3 * time.Minute)}
	w := newStudy(t, cfg, journal.StudyRunning, []journal.Trial{done(1, 0.7, 0.72, 0.71), done(2, 0.8, 0.82, 0.81), running},
		[]journal.Event{{Kind: journal.EventStart, Time: t0}})
	s, _ := readBack(t, w.Path())
	if s.Config.Budget != Duration(time.Hour) || s.Config.Folds != 3 {
		t.Errorf("config decoded as %+v", s.Config)
	}
	st := s.Status()
	if st.State != "running" || st.Writer == "" {
		t.Errorf("state %q writer %q, want running with a writer", st.State, st.Writer)
	}
	if st.Trials != (StatusCounts{Done: 2, Running: 1}) {
		t.Errorf("counts %+v", st.Trials)
	}
	if st.Best == nil || st.Best.Trial != 2 {
		t.Errorf("best %+v, want trial 2", st.Best)
	}
	// Elapsed: from the start event to the last finished trial.
	if want := (2*time.Minute + 30*time.Second).Seconds(); st.Elapsed != want {
		t.Errorf("elapsed %v s, want %v", st.Elapsed, want)
	}
	rows := s.TrialRows()
	if len(rows) != 3 || rows[0].ID != 2 || rows[2].ID != 3 {
		t.Errorf("rows %+v", rows)
	}
}

// A study journaled running whose process is gone reads interrupted.
func TestDeadWriterReadsInterrupted(t *testing.T) {
	w := newStudy(t, Config{Metric: MetricAUC}, journal.StudyRunning, nil, nil)
	path := w.Path()
	w.Close()
	s, _ := readBack(t, path)
	if st := s.Status(); st.State != "interrupted" || st.Best != nil || st.Writer != "" {
		t.Errorf("status %+v, want interrupted with no best and no writer", st)
	}
}

// A config from a newer nightshift is refused, not guessed at.
func TestNewerConfigRefused(t *testing.T) {
	err := DecodeConfig(journal.Study{Name: "s", ConfigVersion: ConfigVersion + 1, Config: []byte(`{}`)}, &Config{})
	if err == nil || !errors.Is(err, journal.ErrNewerSchema) {
		t.Errorf("err = %v, want ErrNewerSchema", err)
	}
}

// The export carries what trials --json lacks: times, rounds, events and
// holdout reads, with NaN as null.
func TestExportHasTimesRoundsEventsAndHoldoutReads(t *testing.T) {
	failed := journal.Trial{ID: 3, State: journal.TrialFailed, Model: "gbdt", Mean: math.NaN(), Std: math.NaN(), Error: "boom",
		Started: t0.Add(time.Minute), Finished: t0.Add(2 * time.Minute)}
	j := newStudy(t, Config{Data: "d.csv", Metric: MetricAUC}, journal.StudyFinished,
		[]journal.Trial{done(1, 0.7, 0.72, 0.71), done(2, 0.8, 0.82, 0.81), failed},
		[]journal.Event{{Kind: journal.EventStart, Time: t0}, {Kind: journal.EventFinish, Time: t0.Add(time.Hour)}})
	if _, err := j.AddRound("s", journal.Round{Planner: "builtin", Accepted: []journal.Proposal{{Hypothesis: "h", TrialID: 2}}}); err != nil {
		t.Fatal(err)
	}
	read := journal.HoldoutRead{Command: "nightshift holdout --study s", Final: "bag", Metric: MetricAUC,
		Models: []journal.HoldoutModel{{Role: "final", Final: "bag", Parts: []journal.HoldoutPart{{Trial: 2, Weight: 1}},
			Metrics: map[string]journal.Figure{"auc": {Value: 0.79, SE: math.NaN()}}}}}
	if _, err := j.AddHoldoutRead("s", read); err != nil {
		t.Fatal(err)
	}
	s, err := Read(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(s.Export())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Leader *uint64 `json:"leader"`
		Trials []struct {
			ID       uint64   `json:"id"`
			Mean     *float64 `json:"mean"`
			Started  string   `json:"started"`
			Finished string   `json:"finished"`
		} `json:"trials"`
		Rounds       []map[string]any `json:"rounds"`
		Events       []map[string]any `json:"events"`
		HoldoutReads []struct {
			Standing string `json:"standing"`
			Models   []struct {
				Metrics map[string]struct {
					Value *float64 `json:"value"`
					SE    *float64 `json:"se"`
				} `json:"metrics"`
			} `json:"models"`
		} `json:"holdout_reads"`
		Elapsed float64 `json:"elapsed_seconds"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Leader == nil || *got.Leader != 2 {
		t.Errorf("leader %v, want 2", got.Leader)
	}
	if len(got.Trials) != 3 || got.Trials[2].Mean != nil || got.Trials[0].Started != "2026-12-06T01:01:00Z" || got.Trials[0].Finished != "2026-12-06T01:01:30Z" {
		t.Errorf("trials %+v", got.Trials)
	}
	if len(got.Rounds) != 1 || len(got.Events) != 2 || got.Elapsed != 3600 {
		t.Errorf("%d rounds, %d events, elapsed %v", len(got.Rounds), len(got.Events), got.Elapsed)
	}
	if len(got.HoldoutReads) != 1 || got.HoldoutReads[0].Standing != "verdict" {
		t.Fatalf("holdout reads %+v", got.HoldoutReads)
	}
	auc := got.HoldoutReads[0].Models[0].Metrics["auc"]
	if auc.Value == nil || *auc.Value != 0.79 || auc.SE != nil {
		t.Errorf("auc figure %+v, want 0.79 with a null SE", auc)
	}
}

// A trial journaled running reads interrupted unless a live process runs
// its study: a session killed by kill -9 never finishes its trials, and
// they read "running" forever. The run lock tells who is alive and what
// it does; every reader (status, trials, trials --top, export) agrees.
func TestDeadSessionsTrialsReadInterrupted(t *testing.T) {
	cases := []struct {
		name           string
		study, command string // what the live writer announced
		closed         bool   // the writer is gone (kill -9 drops its lock)
		want           journal.TrialState
	}{
		{"this study's run is alive", "s", "run", false, journal.TrialRunning},
		{"this study's resume is alive", "s", "resume", false, journal.TrialRunning},
		{"the writer has not announced yet", "", "", false, journal.TrialRunning},
		{"the writer is dead", "s", "run", true, journal.TrialInterrupted},
		{"the writer runs another study", "other", "run", false, journal.TrialInterrupted},
		{"the writer scores this study's holdout", "s", "holdout", false, journal.TrialInterrupted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			running := journal.Trial{ID: 2, State: journal.TrialRunning, Model: "logreg", Started: t0.Add(3 * time.Minute)}
			w := newStudy(t, Config{Metric: MetricAUC}, journal.StudyRunning, []journal.Trial{done(1, 0.7, 0.72, 0.71), running}, nil)
			if c.study != "" {
				if err := w.Announce(c.study, c.command); err != nil {
					t.Fatal(err)
				}
			}
			if c.closed {
				w.Close()
			}
			s, r := readBack(t, w.Path())
			want := StatusCounts{Done: 1, Running: 1}
			if c.want == journal.TrialInterrupted {
				want = StatusCounts{Done: 1, Interrupted: 1}
			}
			if got := s.Status().Trials; got != want {
				t.Errorf("status counts %+v, want %+v", got, want)
			}
			if rows := s.TrialRows(); len(rows) != 2 || rows[1].State != string(c.want) {
				t.Errorf("trials rows %+v, want trial 2 %s", rows, c.want)
			}
			top, err := ReadTopTrials(r, "s", 2)
			if err != nil || len(top) != 2 || top[1].State != string(c.want) {
				t.Errorf("trials --top: %+v, %v; want trial 2 %s", top, err, c.want)
			}
			if x := s.Export(); len(x.Trials) != 2 || x.Trials[1].State != string(c.want) {
				t.Errorf("export trials %+v, want trial 2 %s", x.Trials, c.want)
			}
		})
	}
}
