package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
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

// raceFieldOf is the race's field as it was computed before the pooled
// index (studyview.PoolIndex): every trial pooled anew, then the raceField
// best by pooled mean − SE on data version data, ties to the lower ID,
// dropped ones left out. It is the oracle the index must match.
func raceFieldOf(metric string, trials []journal.Trial, dropped map[uint64]bool, data int) []journal.Trial {
	type entry struct {
		t  journal.Trial
		lb float64
	}
	ahead := func(a, b entry) bool { return a.lb > b.lb || (a.lb == b.lb && a.t.ID < b.t.ID) }
	field := make([]entry, 0, raceField+1)
	for _, t := range studyview.Pool(trials) {
		// A spec without a mean (NaN) never races: it ties with nothing,
		// and the insertion below needs an order.
		if t.State != journal.TrialDone || len(t.FoldScores) <= 1 || dropped[t.ID] || math.IsNaN(t.Mean) || t.Data != data {
			continue
		}
		e := entry{t, studyview.LowerBound(metric, t)}
		if len(field) == raceField && !ahead(e, field[len(field)-1]) {
			continue
		}
		i := sort.Search(len(field), func(i int) bool { return ahead(e, field[i]) })
		field = slices.Insert(field, i, e)
		if len(field) > raceField {
			field = field[:raceField]
		}
	}
	out := make([]journal.Trial, len(field))
	for i, e := range field {
		out[i] = e.t
	}
	return out
}

// raceSession is a raced session of a study on data version data, with
// no trials.
func raceSession(metric string, data int) *session {
	s := &session{cfg: testConfig(), search: &Search{}, trialAt: map[uint64]int{}, specOf: map[uint64]TrialSpec{}, ran: map[string]bool{},
		race: raceState{reserved: map[[2]uint64]bool{}, dropped: map[uint64]bool{}}, data: data}
	s.cfg.Metric, s.cfg.Racing = metric, true
	return s
}

// growRace adds n split-0 trials to s one state at a time (running, then
// done, pruned or failed), re-evaluating the field's specs on further
// splits as the race would and sometimes dropping one, and calls check
// after every change. Scores are drawn from rng on a coarse grid, so lower
// bounds tie often.
func growRace(s *session, n int, rng *rand.Rand, check func(s *session)) {
	scores := func(level float64, k int) []float64 {
		xs := make([]float64, k)
		for i := range xs {
			xs[i] = level + float64(rng.IntN(5))/100
		}
		return xs
	}
	put := func(t journal.Trial) {
		s.putTrialLocked(t)
		check(s)
	}
	end := func(t journal.Trial, state journal.TrialState, xs []float64) {
		t.State, t.FoldScores = state, xs
		t.Mean, t.Std = meanStd(xs)
		t.Timings = map[string]float64{journal.PhaseTotal: 1 + float64(len(xs))}
		put(t)
	}
	for range n {
		s.lastID++
		t := journal.Trial{ID: s.lastID, State: journal.TrialRunning, Data: s.data}
		put(t)
		level := 0.6 + float64(rng.IntN(30))/100
		switch rng.IntN(10) {
		case 0:
			end(t, journal.TrialPruned, scores(level, 1+rng.IntN(2)))
		case 1:
			end(t, journal.TrialFailed, nil)
		case 2:
			end(t, journal.TrialDone, []float64{level}) // one fold: in the leader's count, not the field's
		default:
			end(t, journal.TrialDone, scores(level, 5))
		}
		if s.lastID%7 != 0 {
			continue
		}
		field := s.raceFieldLocked()
		if len(field) == 0 {
			continue
		}
		c := field[rng.IntN(len(field))]
		if rng.IntN(6) == 0 {
			s.dropLocked(c.ID)
			check(s)
			continue
		}
		s.lastID++
		r := journal.Trial{ID: s.lastID, State: journal.TrialRunning, Split: len(studyview.SplitsOf(c)), Of: c.ID, Data: s.data}
		put(r)
		k := 5
		if rng.IntN(10) == 0 {
			k = 3 // other folds: not pooled
		}
		end(r, journal.TrialDone, scores(c.Mean-0.03, k))
	}
}

// TestPoolIndexIsPoolTrialByTrial: the race's field and the study's
// leader, kept as trials change (studyview.PoolIndex), are at every step
// of a growing raced study exactly what pooling every trial anew computes
// (the same trials, the same pooled scores to the bit, the same order) —
// also in a session resumed on a changed data file, which replays the
// earlier trials and races only the specs that ran on its version.
func TestPoolIndexIsPoolTrialByTrial(t *testing.T) {
	for _, metric := range []string{MetricAUC, MetricLogLoss} {
		steps := 0
		check := func(s *session) {
			steps++
			got, want := s.raceFieldLocked(), raceFieldOf(metric, s.trials, s.race.dropped, s.data)
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("%s, step %d (%d trials, data %d): field %v, Pool computes %v", metric, steps, len(s.trials), s.data, idsOf(got), idsOf(want))
			}
			gl, gok := s.poolLocked().Leader()
			wl, wok := studyview.Leader(metric, s.trials)
			if gok != wok || !reflect.DeepEqual(gl, wl) {
				t.Fatalf("%s, step %d: leader #%d (%v), Pool's #%d (%v)", metric, steps, gl.ID, gok, wl.ID, wok)
			}
		}
		rng := rand.New(rand.NewPCG(7, 11))
		s := raceSession(metric, 0)
		growRace(s, 400, rng, check)
		// Resumed on changed data: the journal's trials replayed, the race's
		// drops read back, then trials on version 1.
		r := raceSession(metric, 1)
		for _, tr := range s.trials {
			r.putTrialLocked(tr)
			check(r)
		}
		for id := range s.race.dropped {
			r.dropLocked(id)
		}
		r.lastID = s.lastID
		if f := r.raceFieldLocked(); len(f) != 0 {
			t.Fatalf("%s: a field of %v before any trial on the changed data", metric, idsOf(f))
		}
		growRace(r, 300, rng, check)
		if steps < 2000 || len(r.race.dropped) == 0 || len(r.pool.Best(raceField)) == 0 {
			t.Fatalf("%s: %d steps, %d dropped: the study did not race", metric, steps, len(r.race.dropped))
		}
	}
}

func idsOf(ts []journal.Trial) []uint64 {
	out := make([]uint64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// BenchmarkRaceField is the race's field asked before a planner call in a
// raced study of 1,000 and of 20,000 trials: by the pooled index, and by
// pooling every trial anew (as it was).
func BenchmarkRaceField(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		s := raceSession(MetricAUC, 0)
		growRace(s, n, rand.New(rand.NewPCG(7, 11)), func(*session) {})
		b.Run(fmt.Sprintf("index/trials=%d", len(s.trials)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(s.raceFieldLocked()) == 0 {
					b.Fatal("no field")
				}
			}
		})
		b.Run(fmt.Sprintf("pool/trials=%d", len(s.trials)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(raceFieldOf(MetricAUC, s.trials, s.race.dropped, s.data)) == 0 {
					b.Fatal("no field")
				}
			}
		})
	}
}

// TestAppendedRowsKeepEveryEarlierRowsFold: a study created on the first
// 1,500 rows of criteo_5k and continued on all 5,000 (rows appended,
// --allow-data-change) keeps every earlier search row in the fold it had,
// on the study's split and on further ones; the appended rows are dealt
// so that each fold's count of each class stays within one of the
// others'.
func TestAppendedRowsKeepEveryEarlierRowsFold(t *testing.T) {
	full := filepath.Join("..", "..", "shared", "data", "click", "criteo_5k.csv")
	raw, err := os.ReadFile(full)
	if err != nil {
		t.Skipf("shared data not available: %v", err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	head := filepath.Join(t.TempDir(), "head.csv")
	if err := os.WriteFile(head, []byte(strings.Join(lines[:1501], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(path string) *Table {
		tab, err := LoadTable(TableSpec{Path: path, Target: "label"})
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	before, after := load(head), load(full)
	cfg := testConfig()
	cfg.Folds = 5
	hold, err := HoldoutRows(before, cfg.Holdout, "", "", cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rows, cfg.HoldoutRows = before.Frame.Rows, hold
	cfg.HoldoutDigest, cfg.SearchLabels = holdoutDigest(before, hold), searchLabelsDigest(before, hold, cfg.Rows)
	if err := checkChangedData(after, &cfg); err != nil {
		t.Fatalf("rows appended: %v", err)
	}
	old, err := NewSearch(before, hold, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	grown, err := NewSearch(after, hold, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if grown.first != len(old.Y) || len(grown.Y) != after.Frame.Rows-len(hold) {
		t.Fatalf("grown search: %d first rows of %d, want %d of %d", grown.first, len(grown.Y), len(old.Y), after.Frame.Rows-len(hold))
	}
	foldOf := func(s *Search, n int) []int {
		out := make([]int, n)
		for f, fold := range s.Folds {
			for _, i := range fold.Valid {
				out[i] = f
			}
		}
		return out
	}
	for k := range 3 {
		a, _ := old.On(k)
		b, _ := grown.On(k)
		fa, fb := foldOf(a, len(a.Y)), foldOf(b, len(b.Y))
		if !slices.Equal(fb[:len(fa)], fa) {
			t.Fatalf("split %d: an earlier row changed folds when rows were appended", k)
		}
		var neg, pos []int
		for _, f := range b.Folds {
			p := 0
			for _, i := range f.Valid {
				p += int(b.Y[i])
			}
			neg, pos = append(neg, len(f.Valid)-p), append(pos, p)
		}
		if slices.Max(neg)-slices.Min(neg) > 1 || slices.Max(pos)-slices.Min(pos) > 1 {
			t.Errorf("split %d: folds' negatives %v, positives %v: not within one", k, neg, pos)
		}
	}
	// A file whose earlier labels changed cannot keep the folds: refused.
	flipped := *after
	target := *after.Target
	target.Y = slices.Clone(target.Y)
	for r := range target.Y {
		if !slices.Contains(hold, r) {
			target.Y[r] = 1 - target.Y[r]
			break
		}
	}
	flipped.Target = &target
	if err := checkChangedData(&flipped, &cfg); !errors.Is(err, ErrDataChanged) || !strings.Contains(err.Error(), "could not keep the folds earlier trials were scored on") {
		t.Errorf("an earlier search row's label changed: %v", err)
	}
}

// BenchmarkRaceJob is the race's whole decision before a planner call (the
// field, the drops, the next re-evaluation) and the study's leader (the
// planners' incumbent) in a raced study of 1,000 and of 20,000 trials.
func BenchmarkRaceJob(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		s := raceSession(MetricAUC, 0)
		growRace(s, n, rand.New(rand.NewPCG(7, 11)), func(*session) {})
		b.Run(fmt.Sprintf("raceJob/trials=%d", len(s.trials)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clear(s.race.reserved)
				s.raceJob(s.started)
			}
		})
		b.Run(fmt.Sprintf("leader/trials=%d", len(s.trials)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.poolLocked().Leader()
			}
		})
		b.Run(fmt.Sprintf("leader-by-pool/trials=%d", len(s.trials)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				studyview.Leader(MetricAUC, s.trials)
			}
		})
	}
}
