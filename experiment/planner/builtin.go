package planner

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
)

// builtinPlanner is the offline default. Its schedule:
//
//  1. Warm start (first, whatever the history): each model kind at its defaults, on the
//     base columns and on the base columns plus every feature move the
//     profile suggests (FeatureMoves); and a regularised GBDT (plan.GBDTSteady)
//     on the base columns.
//  2. Then, of every three proposals, one is a feature move tested against
//     the incumbent (the best trial so far): one move added to or removed
//     from its feature set, everything else equal, so the fold-paired
//     comparison isolates the move. The other two are TPE samples (tpe.go)
//     of the model's parameters on the incumbent's feature set; 4 in 5 use
//     the incumbent's model kind, 1 in 5 the other kind (exploration) —
//     1 in 20 once the other kind has had tpeStartup trials and its best
//     mean is more than 3 standard errors below the leader's.
//     TPE draws at random until a model kind has tpeStartup finished trials.
//
// No spec is proposed twice (History.Seen).
type builtinPlanner struct{}

func (builtinPlanner) Name() string { return "builtin" }

func (builtinPlanner) Propose(_ context.Context, h *plan.History, n int) (plan.Result, error) {
	rng := roundRNG(h)
	moves := FeatureMoves(h.Profile)
	sets := groupMoves(moves)
	best, haveBest := h.Best()
	// The warm points come first, each once (Seen), however many rounds
	// that takes.
	if out := warmStart(h, sets, n); len(out) > 0 {
		return plan.Result{Proposals: out, Prompt: fmt.Sprintf("builtin: warm start, %d default trials; %d feature moves from the profile", len(out), len(moves))}, nil
	}
	// Each model kind's observations are read from the history once per
	// call, not once per try: a try read them twice (its own kind's and,
	// for otherKindOdds, the other's), each a pass over the whole study
	// (issue 20: the proposal's cost grew with the study).
	byKind := map[string][]observation{}
	obsOf := func(model string) []observation {
		obs, ok := byKind[model]
		if !ok {
			obs = observations(h, model)
			byKind[model] = obs
		}
		return obs
	}
	odds := otherKindOdds(h, best, haveBest, obsOf)
	var out []plan.Proposal
	featureTries, tpeTries := 0, 0
	for tries := 0; len(out) < n && tries < 40*n; tries++ {
		i := len(h.Trials) + len(out)
		if i%3 == 0 && haveBest {
			if p, ok := toggleMove(h, best, moves); ok {
				out = append(out, p)
				featureTries++
				continue
			}
		}
		model, feats := tryKind(best, haveBest, sets.gbdt, moves, odds, rng)
		if p, ok := paramProposal(h, model, feats, obsOf(model), out, rng); ok {
			out = append(out, p)
			tpeTries++
		}
	}
	summary := fmt.Sprintf("builtin: %d finished trials", countDone(h))
	if haveBest {
		summary += fmt.Sprintf(", incumbent #%d (%s %.4f ± %.4f, %s)", best.ID, h.Metric, best.Mean, best.Std, best.Spec.Model)
	}
	summary += fmt.Sprintf("; proposed %d feature moves and %d parameter samples", featureTries, tpeTries)
	return plan.Result{Proposals: out, Prompt: summary}, nil
}

// moveSets are the profile's feature moves grouped as the warm start uses
// them: the required ones, all, and those the trees can use.
type moveSets struct {
	required, all, gbdt []Move
}

func groupMoves(moves []Move) moveSets {
	var s moveSets
	for _, m := range moves {
		s.all = append(s.all, m)
		if m.Required {
			s.required = append(s.required, m)
		}
		if !m.LinearOnly {
			s.gbdt = append(s.gbdt, m)
		}
	}
	return s
}

// warmStart proposes, up to n, the warm points not yet seen: each model
// kind's defaults on the base columns, regularised trees, and each kind
// with every feature move the profile suggests.
func warmStart(h *plan.History, sets moveSets, n int) []plan.Proposal {
	steady := plan.GBDTSteady()
	warm := []struct {
		model  string
		params map[string]string
		ms     []Move
		why    string
	}{
		{plan.ModelGBDT, plan.DefaultsFor(plan.ModelGBDT), sets.required, "baseline: LightGBM's default parameters on the base columns"},
		{plan.ModelGBDT, steady, sets.required, "baseline: regularised trees (lr 0.05, 15 leaves, L2 1) do not overfit where the defaults do"},
		{plan.ModelLogreg, plan.DefaultsFor(plan.ModelLogreg), sets.required, "baseline: L2 logistic regression on the base columns"},
		{plan.ModelGBDT, plan.DefaultsFor(plan.ModelGBDT), sets.gbdt, "all feature moves suggested by the profile help the trees"},
		{plan.ModelLogreg, plan.DefaultsFor(plan.ModelLogreg), sets.all, "all feature moves suggested by the profile help the linear model"},
	}
	var out []plan.Proposal
	for _, w := range warm {
		if len(out) == n {
			break
		}
		spec := plan.TrialSpec{Model: w.model, Params: w.params, Features: joinMoves(w.ms), Seed: h.Seed}
		if p, ok := accept(h, spec, w.why); ok {
			out = append(out, p)
		}
	}
	return out
}

// tryKind is a parameter try's model kind and features: the incumbent's
// (the trees on their moves before there is one), switched to the other
// kind, its features adapted, with odds 1 in odds.
func tryKind(best plan.HistoryTrial, haveBest bool, gbdtMoves, moves []Move, odds int, rng *rand.Rand) (model, feats string) {
	model = plan.ModelGBDT
	feats = joinMoves(gbdtMoves)
	if haveBest {
		model, feats = best.Spec.Model, best.Spec.Features
	}
	if rng.IntN(odds) == 0 {
		if model == plan.ModelGBDT {
			model, feats = plan.ModelLogreg, addLinearMoves(feats, moves)
		} else {
			model, feats = plan.ModelGBDT, dropLinearMoves(feats, moves)
		}
	}
	return model, feats
}

// paramProposal samples the kind's parameters (TPE over its observations
// obs, random until tpeStartup of them) and proposes them on feats, unless
// History.Accept refuses the spec; out are this call's proposals so far.
func paramProposal(h *plan.History, model, feats string, obs []observation, out []plan.Proposal, rng *rand.Rand) (plan.Proposal, bool) {
	params, costAware := proposeParams(h, model, obs, rng)
	if nearDuplicate(h, model, feats, params) || nearDuplicate(&plan.History{Trials: pendingTrials(out)}, model, feats, params) {
		// TPE converging on a point it already measured: a trial that
		// close tells nothing new, so explore instead.
		params = plan.RandomParams(model, rng)
	}
	spec := plan.TrialSpec{Model: model, Params: params, Features: feats, Seed: h.Seed}
	why := fmt.Sprintf("TPE over %s parameters (%d earlier %s trials) on the incumbent's features", model, len(obs), model)
	if len(obs) < tpeStartup {
		why = fmt.Sprintf("random %s parameters (TPE starts after %d finished or pruned trials)", model, tpeStartup)
	} else if costAware {
		why = fmt.Sprintf("TPE over %s parameters by expected improvement per predicted second (%d earlier %s trials) on the incumbent's features", model, len(obs), model)
	}
	return accept(h, spec, why)
}

func countDone(h *plan.History) int {
	n := 0
	for _, t := range h.Trials {
		if t.State == journal.TrialDone {
			n++
		}
	}
	return n
}

// observations are the trials of one model kind that reached a score,
// ranked as Optuna's TPE ranks complete and pruned trials: finished trials
// by mean score above trials pruned at a fold (more folds first, then by
// running mean), and those above trials screened out on large data (by
// screening score, fidelity.go) — a low-fidelity score only orders trials
// that got no further.
func observations(h *plan.History, model string) []observation {
	var obs []observation
	for _, t := range h.Trials {
		if t.Spec.Model != model {
			continue
		}
		if o, ok := observe(h, t); ok {
			o.seconds = t.Seconds
			obs = append(obs, o)
		}
	}
	return obs
}

// canonicalItems parses a feature string into its canonical items.
func canonicalItems(src string) map[string]bool {
	out := map[string]bool{}
	if strings.TrimSpace(src) == "" {
		return out
	}
	spec, err := dsl.Parse(src)
	if err != nil {
		return out
	}
	for _, it := range spec.Items {
		out[it.Canonical()] = true
	}
	return out
}

// hasMove reports whether every item of m is in items.
func hasMove(items map[string]bool, m Move) bool {
	mi := canonicalItems(strings.Join(m.Exprs, "; "))
	if len(mi) == 0 {
		return false
	}
	for it := range mi {
		if !items[it] {
			return false
		}
	}
	return true
}

// toggleMove proposes the incumbent with one move added or removed.
func toggleMove(h *plan.History, best plan.HistoryTrial, moves []Move) (plan.Proposal, bool) {
	items := canonicalItems(best.Spec.Features)
	for _, m := range moves {
		if m.Required || (m.LinearOnly && best.Spec.Model == plan.ModelGBDT) {
			continue
		}
		var feats, verb string
		if hasMove(items, m) {
			mi := canonicalItems(strings.Join(m.Exprs, "; "))
			var keep []string
			for it := range items {
				if !mi[it] {
					keep = append(keep, it)
				}
			}
			feats, verb = strings.Join(keep, "; "), "removing"
		} else {
			feats = strings.TrimSpace(best.Spec.Features + "; " + strings.Join(m.Exprs, "; "))
			feats = strings.TrimPrefix(feats, "; ")
			verb = "adding"
		}
		spec := plan.TrialSpec{Model: best.Spec.Model, Params: best.Spec.Params, Features: feats, Seed: best.Spec.Seed}
		why := fmt.Sprintf("%s %s to the incumbent #%d changes %s (fold-paired test): %s", verb, strings.Join(m.Exprs, "; "), best.ID, h.Metric, m.Why)
		if p, ok := accept(h, spec, why); ok {
			return p, true
		}
	}
	return plan.Proposal{}, false
}

func addLinearMoves(feats string, moves []Move) string {
	items := canonicalItems(feats)
	for _, m := range moves {
		if m.LinearOnly && !hasMove(items, m) {
			feats = strings.TrimPrefix(feats+"; "+strings.Join(m.Exprs, "; "), "; ")
		}
	}
	return feats
}

func dropLinearMoves(feats string, moves []Move) string {
	items := canonicalItems(feats)
	for _, m := range moves {
		if m.LinearOnly {
			for it := range canonicalItems(strings.Join(m.Exprs, "; ")) {
				delete(items, it)
			}
		}
	}
	var keep []string
	for it := range items {
		keep = append(keep, it)
	}
	return strings.Join(keep, "; ")
}

// nearDupTolerance is the largest per-dimension distance, as a share of the
// dimension's range, at which two parameter sets count as the same point.
const nearDupTolerance = 0.02

// nearDuplicate reports whether a trial of the same model and features was
// already proposed with parameters within nearDupTolerance on every dim.
func nearDuplicate(h *plan.History, model, feats string, params map[string]string) bool {
	items := canonicalItems(feats)
	// Parsing a feature set costs ~100× comparing parameters, and a study
	// has a handful of feature sets over thousands of trials: judge each
	// distinct text once per call (issue 20: per-proposal cost grew with
	// the study).
	same := map[string]bool{}
	for _, t := range h.Trials {
		if t.Spec.Model != model {
			continue
		}
		s, ok := same[t.Spec.Features]
		if !ok {
			s = sameItems(items, canonicalItems(t.Spec.Features))
			same[t.Spec.Features] = s
		}
		if !s {
			continue
		}
		// The first dim apart settles it: parsing the rest of a long
		// study's parameters was most of a proposal's cost.
		close := true
		for _, d := range plan.SpaceFor(model) {
			a, b := params[d.Name], t.Spec.Params[d.Name]
			if len(d.Choices) > 0 {
				close = a == b
			} else {
				x, okx := d.ToCoord(a)
				y, oky := d.ToCoord(b)
				lo, hi := d.Bounds()
				close = okx == oky && (!okx || math.Abs(x-y) <= nearDupTolerance*(hi-lo))
			}
			if !close {
				break
			}
		}
		if close {
			return true
		}
	}
	return false
}

func sameItems(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// otherKindOdds is N in "1 in N proposals tries the model kind the leader
// does not use".
func otherKindOdds(h *plan.History, best plan.HistoryTrial, haveBest bool, obsOf func(model string) []observation) int {
	if !haveBest {
		return 5
	}
	other := plan.ModelGBDT
	if best.Spec.Model == plan.ModelGBDT {
		other = plan.ModelLogreg
	}
	obs := obsOf(other)
	if len(obs) < tpeStartup {
		return 5
	}
	bestOther := math.Inf(-1)
	for _, o := range obs {
		if o.rung == h.Folds { // screening scores and partial means are not comparable
			bestOther = math.Max(bestOther, o.score)
		}
	}
	se := 0.0
	if len(best.FoldScores) > 1 {
		se = best.Std / math.Sqrt(float64(len(best.FoldScores)))
	}
	if bestOther < h.Orient(best.Mean)-3*se {
		return 20
	}
	return 5
}

// pendingTrials views this round's proposals as trials, so that a round
// does not propose near-duplicates of itself.
func pendingTrials(ps []plan.Proposal) []plan.HistoryTrial {
	out := make([]plan.HistoryTrial, len(ps))
	for i, p := range ps {
		out[i] = plan.HistoryTrial{Spec: p.Spec, State: journal.TrialRunning}
	}
	return out
}
