//go:build bench

package experiment

import (
	"cmp"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/journal"
)

// TestPreloadJournal grows a real study to the size of a long night
// without the night (experiment/bench/flatrate.sh, PRELOAD): it appends
// NIGHTSHIFT_PRELOAD_TRIALS trials (default 20,000) to study
// NIGHTSHIFT_PRELOAD_STUDY (default "flat") of the journal
// NIGHTSHIFT_PRELOAD, which a short real run has created. Each new trial
// copies a finished trial of the study — its feature set, model kind and
// fold scores, each score moved by up to ±0.01 — with new random
// parameters, and is journaled as the scheduler journals one (a round of
// four proposals; each trial running, then ended), ended as the real ones
// were: pruned at the fold they were, done or failed. A resumed study
// then plans, prunes and journals over that history as it would after
// hours.
//
//	go test -tags bench -run TestPreloadJournal ./experiment/
func TestPreloadJournal(t *testing.T) {
	path := os.Getenv("NIGHTSHIFT_PRELOAD")
	if path == "" {
		t.Skip("NIGHTSHIFT_PRELOAD names the journal to grow")
	}
	study := os.Getenv("NIGHTSHIFT_PRELOAD_STUDY")
	if study == "" {
		study = "flat"
	}
	n := 20_000
	if v := os.Getenv("NIGHTSHIFT_PRELOAD_TRIALS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("NIGHTSHIFT_PRELOAD_TRIALS=%q: %v", v, err)
		}
	}
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	trials, err := j.ListTrials(study)
	if err != nil {
		t.Fatal(err)
	}
	var templates []journal.Trial
	seen := map[string]bool{}
	last := time.Time{}
	for _, tr := range trials {
		seen[tr.SpecHash] = true
		if tr.Finished.After(last) {
			last = tr.Finished
		}
		if tr.State == journal.TrialDone || tr.State == journal.TrialPruned || tr.State == journal.TrialFailed {
			templates = append(templates, tr)
		}
	}
	if len(templates) == 0 {
		t.Fatalf("study %q of %s has no finished trial to copy", study, path)
	}
	rng := rand.New(rand.NewPCG(uint64(len(trials)), 20))
	// The added trials fill the time between the study's last trial and
	// now, so none ends in the future.
	now := last
	step := time.Since(last) / time.Duration(n+1)
	for added := 0; added < n; {
		var round journal.Round
		var batch []journal.Trial
		for len(batch) < 4 && added+len(batch) < n {
			tmpl := templates[rng.IntN(len(templates))]
			spec, err := trialSpec(tmpl)
			if err != nil {
				t.Fatal(err)
			}
			spec.Params = plan.RandomParams(spec.Model, rng)
			if spec, err = spec.Normalize(); err != nil {
				t.Fatal(err)
			}
			hash := spec.Hash()
			if seen[hash] {
				continue
			}
			seen[hash] = true
			hyp := "random " + spec.Model + " parameters (preloaded)"
			round.Accepted = append(round.Accepted, journal.Proposal{SpecHash: hash, Spec: spec.CanonicalJSON(), Hypothesis: hyp})
			tr := tmpl
			tr.ID, tr.SpecHash, tr.Spec, tr.Params, tr.Hypothesis, tr.Verdict, tr.Proposal = 0, hash, spec.CanonicalJSON(), spec.Params, hyp, "", ""
			tr.FoldScores = append([]float64(nil), tmpl.FoldScores...)
			for k := range tr.FoldScores {
				tr.FoldScores[k] += (rng.Float64()*2 - 1) * 0.01
			}
			tr.Mean, tr.Std = meanStd(tr.FoldScores)
			batch = append(batch, tr)
		}
		round.Planner, round.Time = "builtin", now
		round.Prompt = "preloaded: random parameters on copies of the study's trials"
		rid, err := j.AddRound(study, round)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range batch {
			end := tr
			run := tr
			run.State, run.Round, run.Started = journal.TrialRunning, rid, now
			run.FoldScores, run.Timings, run.Screen, run.Error = nil, nil, nil, ""
			if run.ID, err = j.PutTrial(study, run); err != nil {
				t.Fatal(err)
			}
			now = now.Add(step)
			end.ID, end.Round, end.Started, end.Finished = run.ID, rid, run.Started, now
			if _, err := j.PutTrial(study, end); err != nil {
				t.Fatal(err)
			}
			added++
		}
	}
	if _, err := j.AddEvent(study, journal.Event{Kind: journal.EventFinish, Message: "preloaded: " + strconv.Itoa(n) + " trials", Time: now}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d trials added to study %q (%d before)", path, n, study, len(trials))
}

// BenchmarkPlanOnPreload times one planner round of the builtin planner
// on a grown study (NIGHTSHIFT_PRELOAD, a copy is used): the session's
// history, the proposal and the journaled round, as the scheduler asks
// for one whenever its queue runs dry.
//
//	NIGHTSHIFT_PRELOAD=FILE [NIGHTSHIFT_PRELOAD_STUDY=NAME] go test -tags bench -run '^$' -bench PlanOnPreload ./experiment/
//
// The study is "flat" (flatrate.sh's) unless NIGHTSHIFT_PRELOAD_STUDY names
// another, such as an overnight.sh journal's data set.
func BenchmarkPlanOnPreload(b *testing.B) {
	src := os.Getenv("NIGHTSHIFT_PRELOAD")
	if src == "" {
		b.Skip("NIGHTSHIFT_PRELOAD names a grown journal")
	}
	study := cmp.Or(os.Getenv("NIGHTSHIFT_PRELOAD_STUDY"), "flat")
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	path := b.TempDir() + "/j.db"
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	s, err := openSession(b.Context(), j, RunOptions{Study: study, Resume: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("history", func(b *testing.B) {
		for b.Loop() {
			s.history()
		}
	})
	b.Run("propose", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.planner.Propose(b.Context(), s.history(), 4); err != nil {
				b.Fatal(err)
			}
		}
	})
	res, err := s.planner.Propose(b.Context(), s.history(), 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d trials, %d in the history; %s", len(s.trials), len(s.history().Trials), res.Prompt)
}
