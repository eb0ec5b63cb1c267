package experiment

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer/split"
)

// TestFoldSplitsAreStratifiedDeterministicAndDistinct: split k ≥ 1 is a
// stratified K-fold split of the same search rows, the same every time a
// study is opened, and another split than 0 and than k+1; a time-ordered
// study has split 0 only.
func TestFoldSplitsAreStratifiedDeterministicAndDistinct(t *testing.T) {
	cfg := testConfig()
	tab := loadCriteo(t)
	hold, err := HoldoutRows(tab, cfg.Holdout, "", "", cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *Search {
		s, err := NewSearch(tab, hold, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	if on, _ := a.On(0); on != a {
		t.Fatal("split 0 is not the search itself")
	}
	positives := func(f split.Fold) int {
		n := 0
		for _, r := range f.Valid {
			n += int(a.Y[r])
		}
		return n
	}
	var seen [][]split.Fold
	for k := 0; k <= 3; k++ {
		x, err := a.On(k)
		if err != nil {
			t.Fatal(err)
		}
		y, _ := b.On(k)
		if !slices.EqualFunc(x.Folds, y.Folds, func(p, q split.Fold) bool { return slices.Equal(p.Valid, q.Valid) }) {
			t.Fatalf("split %d differs between two opens of the study", k)
		}
		if len(x.Folds) != len(a.Folds) || (k > 0 && x.ScreenFrac != 0) {
			t.Fatalf("split %d: %d folds (want %d), screen %v", k, len(x.Folds), len(a.Folds), x.ScreenFrac)
		}
		rows := 0
		for i, f := range x.Folds {
			rows += len(f.Valid)
			if d := positives(f) - positives(a.Folds[i]); d < -1 || d > 1 {
				t.Errorf("split %d fold %d: %d positives, split 0's fold has %d: not stratified", k, i+1, positives(f), positives(a.Folds[i]))
			}
		}
		if rows != len(a.Y) {
			t.Fatalf("split %d: validation parts cover %d rows of %d", k, rows, len(a.Y))
		}
		for j, other := range seen {
			if slices.Equal(other[0].Valid, x.Folds[0].Valid) {
				t.Errorf("split %d's first fold is split %d's", k, j)
			}
		}
		seen = append(seen, x.Folds)
	}
	timed := *a
	timed.TimeCol = "I1"
	if _, err := timed.On(1); err == nil || !strings.Contains(err.Error(), "time-ordered") {
		t.Errorf("a time-ordered study's split 1: %v", err)
	}
}

// TestBagOverSplitsIsWhatTheCVMeasured: a spec's bag over splits 0 and 1
// holds K models per split, and each model scores on its own fold's
// validation rows exactly what the trial on that split journaled.
func TestBagOverSplitsIsWhatTheCVMeasured(t *testing.T) {
	cfg := testConfig()
	tab := loadCriteo(t)
	hold, _ := HoldoutRows(tab, cfg.Holdout, "", "", cfg.Seed)
	s, err := NewSearch(tab, hold, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := TrialSpec{Model: ModelLogreg, Params: map[string]string{"C": "0.5"}, Seed: 7, Features: "count(C1); log1p(I5)"}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	for _, k := range []int{0, 1} {
		on, _ := s.On(k)
		out, err := on.Evaluate(context.Background(), spec, 1, Gates{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, out.FoldScores...)
	}
	f, oof, err := s.bag(context.Background(), spec, []int{0, 1}, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Members) != 2*len(s.Folds) || len(oof) != len(f.Members) {
		t.Fatalf("bag over 2 splits of %d folds: %d members, %d OOF parts", len(s.Folds), len(f.Members), len(oof))
	}
	for i, p := range oof {
		on, _ := s.On(i / len(s.Folds))
		got, err := scoreMetric(s.Metric, takeFloats(s.Y, on.Folds[i%len(s.Folds)].Valid), p)
		if err != nil {
			t.Fatal(err)
		}
		if got != want[i] || f.Members[i].Weight != 1/float64(len(f.Members)) {
			t.Errorf("member %d: scores %v on its fold, the CV measured %v; weight %v", i, got, want[i], f.Members[i].Weight)
		}
	}
}

// TestRaceDropsWhatTheLeaderBeatsOnSharedPairs: the race drops a spec the
// leader is significantly better than on the (split, fold) pairs both ran
// (journaling why), keeps a tied one, re-evaluates the field's spec with
// the fewest splits next, never a (spec, split) that ran, and waits while
// a re-evaluation runs.
func TestRaceDropsWhatTheLeaderBeatsOnSharedPairs(t *testing.T) {
	done := func(id uint64, split int, of uint64, scores ...float64) journal.Trial {
		m, sd := meanStd(scores)
		return journal.Trial{ID: id, State: journal.TrialDone, Split: split, Of: of, FoldScores: scores, Mean: m, Std: sd,
			Timings: map[string]float64{journal.PhaseTotal: 1}}
	}
	trials := []journal.Trial{
		done(1, 0, 0, 0.93, 0.94, 0.93, 0.94, 0.93), // the leader: steady
		done(2, 0, 0, 0.92, 0.93, 0.92, 0.93, 0.92), // 0.01 behind on every fold, both splits
		done(3, 0, 0, 0.94, 0.93, 0.92, 0.95, 0.92), // tied: ± 0.01 fold by fold
		done(4, 0, 0, 0.94, 0.93, 0.94, 0.93, 0.92), // tied, one split only
		done(5, 0, 0, 0.70, 0.72, 0.71, 0.73, 0.70), // far behind on split 0
		done(11, 1, 1, 0.94, 0.93, 0.94, 0.93, 0.94),
		done(12, 1, 2, 0.93, 0.92, 0.93, 0.92, 0.93),
		done(13, 1, 3, 0.93, 0.94, 0.93, 0.94, 0.93),
	}
	for i := 0; i < 12; i++ { // filler that raced nothing; race seconds stay within the share
		trials = append(trials, done(uint64(20+i), 0, 0, 0.6, 0.6, 0.6, 0.6, 0.61))
	}
	s := &session{cfg: testConfig(), search: &Search{}, hasLimit: true, maxTrial: 8, trialAt: map[uint64]int{}, specOf: map[uint64]TrialSpec{}, ran: map[string]bool{},
		race: raceState{reserved: map[[2]uint64]bool{}, dropped: map[uint64]bool{}}}
	s.cfg.Racing = true
	for _, tr := range trials {
		tr.Spec = []byte(`{"features":"","model":"logreg","params":{"C":"1"},"seed":7}`)
		s.putTrialLocked(tr)
	}
	s.ended = s.trials
	jb, events, ok := s.raceJob(s.started)
	if !ok || jb.of != 4 || jb.split != 1 || jb.reason != "race: re-evaluate #4 on split 1" {
		t.Fatalf("race job %+v (%v), want #4 on split 1: the field's spec with the fewest splits", jb, ok)
	}
	if len(events) != 2 || events[0].Details["dropped"] != "2" || !strings.Contains(events[0].Message, "the leader #1 is better on the 10 (split, fold) pairs") ||
		events[1].Details["dropped"] != "5" || !strings.Contains(events[1].Message, "on the 5 (split, fold) pairs") {
		t.Fatalf("drop events %+v, want #2 dropped on 10 shared pairs, #5 on 5", events)
	}
	if !s.race.dropped[2] || s.race.dropped[3] || s.race.dropped[4] {
		t.Fatalf("dropped %v: want #2 (behind on every pair), not #3 or #4 (tied)", s.race.dropped)
	}
	// #4 on split 1 is issued; the next wants split 2 of the leader…
	jb, _, ok = s.raceJob(s.started)
	if !ok || (jb.of == 4 && jb.split == 1) {
		t.Fatalf("second race job %+v: a (spec, split) issued twice", jb)
	}
	// …but not while a re-evaluation runs.
	running := journal.Trial{ID: 40, State: journal.TrialRunning, Split: 2, Of: 1}
	s.putTrialLocked(running)
	if jb, _, ok := s.raceJob(s.started); ok {
		t.Fatalf("race job %+v while a re-evaluation runs", jb)
	}
	// Racing off: nothing.
	s.cfg.Racing = false
	s.trials = s.trials[:len(s.trials)-1]
	if _, _, ok := s.raceJob(s.started); ok {
		t.Fatal("a race job with racing off")
	}
}
