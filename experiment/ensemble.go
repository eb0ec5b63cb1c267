package experiment

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/journal"
)

// FinalEnsemble is the final model made of several trials' bags: a
// weighted average whose weights are chosen on the search part's
// out-of-fold predictions by greedy forward selection with replacement
// (Caruana et al., "Ensemble selection from libraries of models", ICML
// 2004 — what AutoGluon and auto-sklearn do). Among trials whose CV scores
// are tied within noise, which one the search names best is close to a
// coin toss on the holdout; averaging the tied trials removes the toss.
// The selection starts from the trials tied with the leader, equally
// weighted (tiedWithLeader), and keeps adding the candidate that most
// improves the out-of-fold score.
const FinalEnsemble = "ensemble"

// EnsembleOptions bound the ensemble's candidates and its selection.
type EnsembleOptions struct {
	// Candidates is the most trials considered: the best finished trials
	// by CV mean, the leader first (default 8).
	Candidates int
	// CostShare bounds the candidates' summed search time (the journaled
	// seconds of their CV, which re-fitting their bags repeats) as a share
	// of the time all the study's trials took (default 0.25): a trial that
	// would exceed it is skipped, the leader always kept.
	CostShare float64
	// Steps is the number of greedy selection rounds (default 25); the
	// weights are those of the round with the best out-of-fold score.
	Steps int
}

func (o EnsembleOptions) withDefaults() EnsembleOptions {
	if o.Candidates <= 0 {
		o.Candidates = 8
	}
	if o.CostShare <= 0 {
		o.CostShare = 0.25
	}
	if o.Steps <= 0 {
		o.Steps = 25
	}
	return o
}

// EnsemblePart is one trial's share of an ensemble.
type EnsemblePart struct {
	Trial  uint64  `json:"trial"`
	Weight float64 `json:"weight"`
}

// ensembleCandidates picks, from the board (leader first, then by CV
// mean), the finished trials whose bags the selection may use: at most
// o.Candidates, their summed search seconds within o.CostShare of all the
// study's trial seconds (the leader always in).
func ensembleCandidates(board, all []journal.Trial, o EnsembleOptions) []journal.Trial {
	total := 0.0
	for _, t := range all {
		total += t.Timings[journal.PhaseTotal]
	}
	allowed := o.CostShare * total
	var out []journal.Trial
	spent := 0.0
	for _, t := range board {
		if len(out) == o.Candidates {
			break
		}
		if t.State != journal.TrialDone {
			continue
		}
		cost := t.Timings[journal.PhaseTotal]
		if len(out) > 0 && spent+cost > allowed {
			continue
		}
		out = append(out, t)
		spent += cost
	}
	return out
}

// selectEnsemble runs greedy forward selection with replacement from the
// initial counts init (nil: none): oof[c][k] is candidate c's prediction
// for fold k's validation rows, y[k] their labels. Each round adds the
// candidate whose inclusion gives the blend (the mean of the chosen
// predictions, counted with multiplicity) the best metric, averaged over
// folds as a trial's CV score is; ties go to the lower index (the
// better-ranked trial). It returns the counts at the best round (the
// initial ensemble counts as round 0; the earliest best wins) and that
// round's per-fold scores.
func selectEnsemble(metric string, y [][]float64, oof [][][]float64, init []int, steps int) ([]int, []float64, error) {
	if len(oof) == 0 {
		return nil, nil, fmt.Errorf("ensemble: no candidates")
	}
	bl, err := newGreedyBlend(metric, y, oof)
	if err != nil {
		return nil, nil, err
	}
	var best []int
	var bestFold []float64
	bestMean := math.Inf(-1)
	for c, times := range init {
		if times > 0 {
			bl.add(c, times)
		}
	}
	if bl.n > 0 {
		m, err := bl.scoreWith(-1)
		if err != nil {
			return nil, nil, err
		}
		best, bestMean, bestFold = append(best[:0], bl.counts...), m, append(bestFold[:0], bl.scores...)
	}
	var pickFold []float64
	for range steps {
		pick, pickMean := -1, math.Inf(-1)
		for c := range oof {
			m, err := bl.scoreWith(c)
			if err != nil {
				return nil, nil, err
			}
			if m > pickMean {
				pick, pickMean, pickFold = c, m, append(pickFold[:0], bl.scores...)
			}
		}
		bl.add(pick, 1)
		if pickMean > bestMean {
			best, bestMean, bestFold = append(best[:0], bl.counts...), pickMean, append(bestFold[:0], pickFold...)
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("ensemble: nothing selected (no starting members and no rounds)")
	}
	return best, bestFold, nil
}

// greedyBlend is selectEnsemble's running blend: how often each candidate
// is in it (counts, n in all), their out-of-fold predictions summed fold
// by fold, and the buffers a trial blend is scored in.
type greedyBlend struct {
	metric string
	sign   float64 // 1, or -1 when lower is better: higher scores win
	y      [][]float64
	oof    [][][]float64
	counts []int
	n      int
	sum    [][]float64
	blend  [][]float64
	scores []float64 // the last scoreWith's per-fold scores
}

// newGreedyBlend is the empty blend; every candidate must have a
// prediction for each of a fold's rows.
func newGreedyBlend(metric string, y [][]float64, oof [][][]float64) (*greedyBlend, error) {
	sign := 1.0
	if !higherIsBetter(metric) {
		sign = -1
	}
	folds := len(y)
	bl := &greedyBlend{metric: metric, sign: sign, y: y, oof: oof, counts: make([]int, len(oof)),
		sum: make([][]float64, folds), blend: make([][]float64, folds), scores: make([]float64, folds)}
	for k := range folds {
		bl.sum[k] = make([]float64, len(y[k]))
		bl.blend[k] = make([]float64, len(y[k]))
		for c := range oof {
			if len(oof[c][k]) != len(y[k]) {
				return nil, fmt.Errorf("ensemble: candidate %d has %d predictions for fold %d's %d rows", c, len(oof[c][k]), k+1, len(y[k]))
			}
		}
	}
	return bl, nil
}

// add puts candidate c into the blend times more times.
func (bl *greedyBlend) add(c, times int) {
	bl.counts[c] += times
	bl.n += times
	for k := range bl.y {
		for i, v := range bl.oof[c][k] {
			bl.sum[k][i] += float64(times) * v
		}
	}
}

// scoreWith is the score of the blend (sum + oof[c]) / (n+1), fold by
// fold (c < 0: the current blend alone), signed so that higher is better
// and averaged over the folds; the per-fold scores are left in scores.
func (bl *greedyBlend) scoreWith(c int) (float64, error) {
	mean := 0.0
	for k := range bl.y {
		for i, v := range bl.sum[k] {
			if c >= 0 {
				bl.blend[k][i] = (v + bl.oof[c][k][i]) / float64(bl.n+1)
			} else {
				bl.blend[k][i] = v / float64(bl.n)
			}
		}
		s, err := scoreMetric(bl.metric, bl.y[k], bl.blend[k])
		if err != nil {
			return 0, fmt.Errorf("ensemble: fold %d: %w", k+1, err)
		}
		bl.scores[k] = s
		mean += s
	}
	return bl.sign * mean / float64(len(bl.y)), nil
}

// tiedWithLeader is the selection's initial ensemble: one count for the
// leader (cands[0]) and for each candidate the leader does not beat by the
// noise test (compareFolds) — Caruana's "sorted initialisation" with its
// size set by the noise threshold instead of by fitting the out-of-fold
// score, which among tied trials would chase noise.
func tiedWithLeader(metric string, cands []journal.Trial) []int {
	init := make([]int, len(cands))
	for c, t := range cands {
		// On the (split, fold) pairs both ran (raced specs pool splits).
		if c == 0 || !plan.ComparePaired(metric, cands[0], t).Better {
			init[c] = 1
		}
	}
	return init
}

// bagged is one candidate trial's bag and its out-of-fold predictions.
type bagged struct {
	trial   journal.Trial
	fit     *Fitted
	oof     [][]float64 // per fold, the member's predictions on the fold's validation rows
	seconds float64     // time to fit the bag
}

// ensembleOf joins the candidates' bags with the selection's counts as
// weights; its Parts list the chosen trials, heaviest first (ties by
// rank), and its Spec is the heaviest trial's.
func ensembleOf(cands []bagged, counts []int) *Fitted {
	total := 0
	for _, n := range counts {
		total += n
	}
	f := &Fitted{}
	trees, heaviest := 0.0, -1
	for c, n := range counts {
		if n == 0 {
			continue
		}
		w := float64(n) / float64(total)
		f.Parts = append(f.Parts, EnsemblePart{Trial: cands[c].trial.ID, Weight: w})
		for _, m := range cands[c].fit.Members {
			m.Weight *= w
			m.Trial = cands[c].trial.ID
			f.Members = append(f.Members, m)
		}
		trees += w * float64(cands[c].fit.Trees)
		if heaviest < 0 || n > counts[heaviest] {
			heaviest = c
		}
	}
	f.Spec = cands[heaviest].fit.Spec
	f.Trees = int(math.Round(trees))
	slices.SortStableFunc(f.Parts, func(a, b EnsemblePart) int { return cmp.Compare(b.Weight, a.Weight) })
	return f
}

// DescribeParts is an ensemble's trials and weights as text: "#8 0.48, #2 0.32, #6 0.20".
func DescribeParts(parts []EnsemblePart) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "#%d %.2f", p.Trial, p.Weight)
	}
	return b.String()
}

// bag fits spec on each fold of each of the given fold splits (Search.Bag;
// none: split 0), every member weighted alike; with keepOOF it also
// returns each member's predictions on its own fold's validation rows, in
// the members' order (split by split, fold by fold).
func (s *Search) bag(ctx context.Context, spec TrialSpec, splits []int, threads int, keepOOF bool) (*Fitted, [][]float64, error) {
	fs, err := s.featureSpec(spec.Features)
	if err != nil {
		return nil, nil, err
	}
	if len(splits) == 0 {
		splits = []int{0}
	}
	f := &Fitted{Spec: spec}
	n := len(splits) * len(s.Folds)
	oof := make([][]float64, 0, n)
	trees := 0
	for _, sp := range splits {
		on, err := s.On(sp)
		if err != nil {
			return nil, nil, err
		}
		for k := range on.Folds {
			ff, err := on.fitFold(ctx, spec, fs, k, threads, map[string]float64{})
			if err != nil {
				return nil, nil, fmt.Errorf("split %d fold %d: %w", sp, k+1, err)
			}
			var p []float64
			if keepOOF {
				if p, err = ff.validProba(); err != nil {
					return nil, nil, fmt.Errorf("split %d fold %d: %w", sp, k+1, err)
				}
			}
			oof = append(oof, p)
			ff.Weight = 1 / float64(n)
			f.Members = append(f.Members, ff.Member)
			trees += ff.bestIter
		}
	}
	f.Trees = int(math.Round(float64(trees) / float64(n))) // 0 for a kind early stopping does not size
	return f, oof, nil
}
