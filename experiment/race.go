package experiment

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
	"github.com/nightshift-ml/nightshift/trainer/split"
)

// Racing (--racing; docs/architecture.md, "Racing"): once the search has
// matured, a share of the trials re-evaluates the leading specs on further
// K-fold splits of the search part, and a spec stops being re-evaluated
// once the leader is significantly better on the (split, fold) pairs both
// ran (F-race's elimination, with the fold-paired corrected t-test instead
// of Friedman's). A spec's score pools its splits (studyview.Pool).
const (
	// raceStart is the share of the session's budget (of its trial limit
	// without one) after which racing starts; raceMinDone the finished
	// split-0 trials it waits for.
	raceStart   = 0.25
	raceMinDone = 10
	// raceField is how many specs race: the best by pooled mean − SE.
	raceField = 5
	// raceSplits is the most splits a spec runs on (split 0 included).
	raceSplits = 4
	// raceShare bounds the seconds spent on re-evaluations as a share of
	// all trial seconds of the study.
	raceShare = 0.3
)

// EventRace is the kind of the event journaled when the race drops a spec.
const EventRace journal.EventKind = "race"

// splitViews are a search's views on fold splits ≥ 1, made on first use.
type splitViews struct {
	mu    sync.Mutex
	views map[int]*Search
}

// splitSeed is the seed of fold split k ≥ 1: the study seed and k mixed
// by SplitMix64's finaliser, so the splits of one study differ from each
// other and from split 0, and a study draws the same splits every time.
func splitSeed(seed uint64, k int) uint64 {
	z := seed + uint64(k)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// On is the search on fold split k: the same rows, design and caches, the
// folds of split k (k = 0: s itself). Split k ≥ 1 is a stratified K-fold
// split of the search part drawn with splitSeed(seed, k), K as split 0's
// (rows appended since the study's creation dealt after the others', as
// on split 0); it has no screening rung. A time-ordered study has one split only.
func (s *Search) On(k int) (*Search, error) {
	if k == 0 {
		return s, nil
	}
	if k < 0 {
		return nil, fmt.Errorf("fold split %d: want 0 or more", k)
	}
	if s.TimeCol != "" {
		return nil, fmt.Errorf("fold split %d: a study with --time-col has one time-ordered split", k)
	}
	s.splits.mu.Lock()
	defer s.splits.mu.Unlock()
	if v, ok := s.splits.views[k]; ok {
		return v, nil
	}
	folds, err := split.StratifiedKFoldAppended(s.Y, len(s.Folds), splitSeed(s.Seed, k), s.first)
	if err != nil {
		return nil, fmt.Errorf("fold split %d: %w", k, err)
	}
	v := *s
	v.Folds, v.Screen, v.ScreenFrac = folds, split.Fold{}, 0
	// Validation designs are not cached per split: a copy of the search
	// part's base design each would grow memory with every split.
	v.validOnce, v.validDS = nil, nil
	s.splits.views[k] = &v
	return &v, nil
}

// raceState is what the session remembers of its race. Besides the
// pooled index (session.pool), it keeps the counts the race reads before
// every planner call up to date as trials change (account), so a call
// costs the same at trial 20,000 as at trial 100 (issue 20).
type raceState struct {
	// reserved are the (trial, split) re-evaluations issued, so a planner
	// call made before one starts does not issue it twice.
	reserved map[[2]uint64]bool
	// dropped are the specs (their split-0 trial IDs) the race dropped.
	dropped map[uint64]bool
	// ran are the (trial, split) re-evaluations in the study, running is
	// how many of them run, done0 the finished split-0 trials; seconds and
	// raceSeconds the trial seconds of all trials and of re-evaluations.
	ran                  map[[2]uint64]bool
	running, done0       int
	seconds, raceSeconds float64
}

// account replaces trial old's part in the counts (had: there was one)
// with t's.
func (r *raceState) account(old journal.Trial, had bool, t journal.Trial) {
	if had {
		r.count(old, -1)
	}
	r.count(t, 1)
}

func (r *raceState) count(t journal.Trial, sign int) {
	secs := float64(sign) * t.Timings[journal.PhaseTotal]
	r.seconds += secs
	if t.Split == 0 {
		if t.State == journal.TrialDone {
			r.done0 += sign
		}
		return
	}
	r.raceSeconds += secs
	if t.State == journal.TrialRunning {
		r.running += sign
	}
	if sign > 0 {
		if r.ran == nil {
			r.ran = map[[2]uint64]bool{}
		}
		r.ran[[2]uint64{t.Of, uint64(t.Split)}] = true
	}
}

// raceMaturedLocked reports whether the search has matured enough to
// race: a share raceStart of the session's budget (or trial limit) used
// and raceMinDone finished split-0 trials (with a trial limit, at most a
// quarter of it, at least 3).
func (s *session) raceMaturedLocked(now time.Time) bool {
	need := raceMinDone
	if s.hasLimit {
		// A short night by trial count races after a quarter of it.
		need = min(need, max(3, s.maxTrial/4))
	}
	if s.race.done0 < need {
		return false
	}
	switch {
	case s.hasBudget:
		return now.Sub(s.started) >= time.Duration(raceStart*float64(s.budget))
	case s.hasLimit:
		return float64(len(s.ended)) >= raceStart*float64(s.maxTrial)
	}
	return true
}

// raceJob is the next re-evaluation the race wants, if racing is on, the
// search has matured, re-evaluations have used less than raceShare of the
// study's trial seconds and none is running: of the raceField best specs
// by pooled mean − SE (the leader first) not dropped, the one with the
// fewest splits (ties to the better) on its next split. A spec the leader
// beats on their shared pairs (plan.ComparePaired) is dropped first, with
// an event saying so.
func (s *session) raceJob(now time.Time) (job, []journal.Event, bool) {
	if !s.cfg.Racing || s.search.TimeCol != "" {
		return job{}, nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.raceMaturedLocked(now) {
		return job{}, nil, false
	}
	if s.race.running > 0 {
		return job{}, nil, false // one re-evaluation at a time
	}
	if s.race.raceSeconds > raceShare*s.race.seconds {
		return job{}, nil, false
	}
	field := s.raceFieldLocked()
	if len(field) == 0 {
		return job{}, nil, false
	}
	var events []journal.Event
	lead := field[0]
	alive := field[:1]
	for _, c := range field[1:] {
		if v := plan.ComparePaired(s.cfg.Metric, lead, c); v.Better {
			s.dropLocked(c.ID)
			events = append(events, journal.Event{Kind: EventRace, Message: fmt.Sprintf("race: drop #%d: the leader #%d is better on the %d (split, fold) pairs both ran: %+.4f %s (corrected paired t=%.2f > %.2f)",
				c.ID, lead.ID, pairsOf(lead, c), v.Diff, s.cfg.Metric, v.T, v.Crit), Details: map[string]string{"dropped": fmt.Sprint(c.ID), "leader": fmt.Sprint(lead.ID)}})
			continue
		}
		alive = append(alive, c)
	}
	best, bestSplit := -1, 0
	for i, c := range alive {
		next := 0
		for k := 1; k < raceSplits; k++ {
			key := [2]uint64{c.ID, uint64(k)}
			if !s.race.ran[key] && !s.race.reserved[key] {
				next = k
				break
			}
		}
		if next == 0 {
			continue
		}
		if best < 0 || len(studyview.SplitsOf(c)) < len(studyview.SplitsOf(alive[best])) {
			best, bestSplit = i, next
		}
	}
	if best < 0 {
		return job{}, events, false
	}
	c := alive[best]
	spec, ok := s.specOf[c.ID]
	if !ok {
		return job{}, events, false
	}
	s.race.reserved[[2]uint64{c.ID, uint64(bestSplit)}] = true
	reason := fmt.Sprintf("race: re-evaluate #%d on split %d", c.ID, bestSplit)
	return job{spec: spec, hypothesis: c.Hypothesis, split: bestSplit, of: c.ID, reason: reason}, events, true
}

// raceFieldLocked is the race's field: the raceField best specs by pooled
// mean − SE, the leader first, leaving out dropped ones. The pooled index
// answers it in O(raceField · log n): pooling every trial before each
// planner call (studyview.Pool, as it was) grew with the night.
func (s *session) raceFieldLocked() []journal.Trial {
	return s.poolLocked().Best(raceField)
}

// poolLocked is the session's pooled index of its trials, made on first
// use.
func (s *session) poolLocked() *studyview.PoolIndex {
	if s.pool == nil {
		s.pool = studyview.NewPoolIndex(s.cfg.Metric, s.data, func(id uint64) (journal.Trial, bool) {
			i, ok := s.trialAt[id]
			if !ok {
				return journal.Trial{}, false
			}
			return s.trials[i], true
		})
		for id := range s.race.dropped {
			s.pool.Exclude(id)
		}
	}
	return s.pool
}

// dropLocked drops spec id (its split-0 trial's ID) from the race for good.
func (s *session) dropLocked(id uint64) {
	s.race.dropped[id] = true
	s.poolLocked().Exclude(id)
}

// pairsOf is the number of (split, fold) pairs a and b share.
func pairsOf(a, b journal.Trial) int {
	x, _ := plan.PairedScores(a, b)
	return len(x)
}

// racedFrom restores the race's dropped specs from the journal's events.
func racedFrom(events []journal.Event) map[uint64]bool {
	dropped := map[uint64]bool{}
	for _, e := range events {
		if e.Kind != EventRace {
			continue
		}
		var id uint64
		if _, err := fmt.Sscan(e.Details["dropped"], &id); err == nil && id > 0 {
			dropped[id] = true
		}
	}
	return dropped
}

// reasonOf says why a planner's proposal ran: tuning an earlier proposal,
// testing a hypothesis (the LLM planner's), or the search's own draw.
func reasonOf(plannerName string, p plan.Proposal) string {
	switch {
	case p.Of != "":
		return plannerName + ": tune " + p.Of
	case p.Parent != 0 || plannerName == "llm":
		return plannerName + ": hypothesis"
	}
	return plannerName + ": search"
}

// sharedSplits are the fold splits every trial ran on (pooled: each one's
// studyview.SplitsOf), in the first trial's order.
func sharedSplits(trials []journal.Trial) []int {
	if len(trials) == 0 {
		return nil
	}
	out := slices.Clone(studyview.SplitsOf(trials[0]))
	for _, t := range trials[1:] {
		sp := studyview.SplitsOf(t)
		out = slices.DeleteFunc(out, func(k int) bool { return !slices.Contains(sp, k) })
	}
	return out
}

// splitsOf are the fold splits a (pooled) trial's scores come from
// (studyview.SplitsOf): what its bag is made of.
func splitsOf(t journal.Trial) []int { return studyview.SplitsOf(t) }
