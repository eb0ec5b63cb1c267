package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
)

// Proposal is one trial a planner wants run, with its reason.
type Proposal struct {
	Spec       TrialSpec
	Hypothesis string
}

// HistoryTrial is what a planner knows of a past trial.
type HistoryTrial struct {
	ID         uint64
	Spec       TrialSpec
	State      journal.TrialState
	Mean, Std  float64
	FoldScores []float64
	Screen     *float64 // screening-rung score, when the study screens
}

// History is everything a planner may see: the search part's profile and
// the trials so far. It never holds holdout data.
type History struct {
	Profile *features.Profile
	Metric  string
	Folds   int
	Trials  []HistoryTrial
	// Seen holds the spec hashes already run, running or queued.
	Seen  map[string]bool
	Round int
	Seed  uint64
	// Incumbent is the study's leader (best mean − standard error,
	// compare.go's leaderOf); 0 before the first finished trial.
	Incumbent uint64
}

// orient turns a score into "higher is better".
func (h *History) orient(score float64) float64 {
	if higherIsBetter(h.Metric) {
		return score
	}
	return -score
}

// Best returns the incumbent, or failing that the finished trial with the
// best mean score.
func (h *History) Best() (HistoryTrial, bool) {
	for _, t := range h.Trials {
		if h.Incumbent != 0 && t.ID == h.Incumbent {
			return t, true
		}
	}
	var best HistoryTrial
	found := false
	for _, t := range h.Trials {
		if t.State != journal.TrialDone || math.IsNaN(t.Mean) {
			continue
		}
		if !found || h.orient(t.Mean) > h.orient(best.Mean) {
			best, found = t, true
		}
	}
	return best, found
}

// Planner proposes trials. Implementations are stateless between calls:
// everything they learn comes from the History, so a resumed study plans
// exactly as if it had never stopped.
type Planner interface {
	Name() string
	// Propose returns up to n proposals whose spec hashes are not in
	// h.Seen, and a short account of how it chose them (journaled as the
	// round's prompt).
	Propose(ctx context.Context, h *History, n int) ([]Proposal, string, error)
}

// NewPlanner returns the planner called name.
func NewPlanner(name string) (Planner, error) {
	switch name {
	case "builtin":
		return builtinPlanner{}, nil
	case "random":
		return randomPlanner{}, nil
	}
	return nil, fmt.Errorf("planner %q: want builtin or random", name)
}

func roundRNG(h *History) *rand.Rand {
	return rand.New(rand.NewPCG(h.Seed, uint64(h.Round)*0x9e3779b97f4a7c15+uint64(len(h.Trials))))
}

// randomPlanner is the baseline: uniform parameters, a random model kind
// and a random subset of the profile's feature moves.
type randomPlanner struct{}

func (randomPlanner) Name() string { return "random" }

func (randomPlanner) Propose(_ context.Context, h *History, n int) ([]Proposal, string, error) {
	rng := roundRNG(h)
	moves := FeatureMoves(h.Profile)
	var out []Proposal
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		model := []string{ModelGBDT, ModelLogreg}[rng.IntN(2)]
		var chosen []Move
		for _, m := range moves {
			if m.Required || rng.IntN(2) == 0 {
				chosen = append(chosen, m)
			}
		}
		spec := TrialSpec{Model: model, Params: randomParams(model, rng), Features: joinMoves(chosen), Seed: h.Seed}
		if p, ok := accept(h, spec, "random draw"); ok {
			out = append(out, p)
		}
	}
	return out, fmt.Sprintf("random: %d proposals drawn uniformly", len(out)), nil
}

// accept normalises spec and keeps it when it is new.
func accept(h *History, spec TrialSpec, why string) (Proposal, bool) {
	norm, err := spec.Normalize()
	if err != nil {
		return Proposal{}, false
	}
	hash := norm.Hash()
	if h.Seen[hash] {
		return Proposal{}, false
	}
	h.Seen[hash] = true
	return Proposal{Spec: norm, Hypothesis: why}, true
}

// Move is one feature-engineering step the profile suggests.
type Move struct {
	Exprs []string // transform-language items
	Why   string
	// Required moves are in every feature set: without them the model
	// would see nothing (text-only tables).
	Required bool
	// LinearOnly moves help only the linear model (GBDT is invariant to
	// monotone transforms and ignores sparse blocks).
	LinearOnly bool
}

// quoteCol writes a column name in the transform language.
func quoteCol(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
		}
	}
	if plain {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// FeatureMoves lists the feature moves the built-in planner considers for a
// dataset, from its profile, in a fixed order.
func FeatureMoves(p *features.Profile) []Move {
	var moves []Move
	var numeric, cats []features.ColumnProfile
	hasBase := false
	for _, c := range p.Columns {
		switch c.Kind {
		case "numeric", "datetime":
			if !c.Leak && c.Distinct > 1 {
				numeric = append(numeric, c)
				hasBase = true
			}
		case "categorical":
			if !c.Leak && c.Distinct > 1 {
				cats = append(cats, c)
				hasBase = true
			}
		}
	}
	for _, c := range p.Columns {
		if c.Kind != "text" {
			continue
		}
		q := quoteCol(c.Name)
		moves = append(moves, Move{
			Exprs: []string{"length(" + q + ")", "word_count(" + q + ")", "count_digits(" + q + ")", "count_upper(" + q + ")", "count_urls(" + q + ")"},
			Why:   fmt.Sprintf("%s is free text: its length, words, digits, capitals and links are classic spam signals", c.Name), Required: !hasBase,
		})
		moves = append(moves, Move{Exprs: []string{"tokens(" + q + ", buckets=32768)"},
			Why: fmt.Sprintf("hashed word and bigram counts of %s let the linear model weigh individual words", c.Name), LinearOnly: true})
	}
	sort.SliceStable(numeric, func(a, b int) bool { return numeric[a].AUC > numeric[b].AUC })
	sort.SliceStable(cats, func(a, b int) bool { return cats[a].AUC > cats[b].AUC })
	for _, c := range numeric {
		if c.Numeric != nil && c.Numeric.Min >= 0 && c.Numeric.Skew > 2 {
			moves = append(moves, Move{Exprs: []string{"log1p(" + quoteCol(c.Name) + ")"},
				Why: fmt.Sprintf("%s is right-skewed (skew %.1f): log1p makes it usable for the linear model", c.Name, c.Numeric.Skew), LinearOnly: true})
		}
	}
	for _, c := range cats {
		if c.Distinct >= 20 {
			q := quoteCol(c.Name)
			moves = append(moves, Move{Exprs: []string{"count(" + q + ")"},
				Why: fmt.Sprintf("%s has %d levels: how common a level is often separates fraud and clicks", c.Name, c.Distinct)})
			moves = append(moves, Move{Exprs: []string{"target_mean(" + q + ", smoothing=20)"},
				Why: fmt.Sprintf("%s has %d levels: an out-of-fold target encoding summarises them in one column", c.Name, c.Distinct)})
		}
	}
	if ranged := rangeLikeColumns(cats); len(ranged) > 0 {
		var exprs []string
		for _, name := range ranged {
			q := quoteCol(name)
			exprs = append(exprs, "drop("+q+")", "range_mid("+q+")")
		}
		moves = append(moves, Move{Exprs: exprs,
			Why: fmt.Sprintf("%d categoricals are binned numeric ranges (%s): read as ordered numbers, the trees split them in order instead of as unordered levels",
				len(ranged), strings.Join(ranged, ", "))})
	}
	if len(cats) >= 2 {
		moves = append(moves, Move{Exprs: []string{"cross(" + quoteCol(cats[0].Name) + ", " + quoteCol(cats[1].Name) + ", max_levels=1000)"},
			Why: fmt.Sprintf("the two strongest categoricals, %s and %s, may interact", cats[0].Name, cats[1].Name)})
	}
	if len(numeric) >= 2 {
		moves = append(moves, Move{Exprs: []string{"ratio(" + quoteCol(numeric[0].Name) + ", " + quoteCol(numeric[1].Name) + ")"},
			Why: fmt.Sprintf("a ratio of the two strongest numeric columns, %s and %s, is a split no single threshold can make", numeric[0].Name, numeric[1].Name)})
	}
	for _, c := range cats {
		if c.Distinct >= 50 && len(numeric) > 0 {
			moves = append(moves, Move{Exprs: []string{"group_mean(" + quoteCol(numeric[0].Name) + ", by=" + quoteCol(c.Name) + ")"},
				Why: fmt.Sprintf("%s relative to its usual value within %s (an entity-level aggregate)", numeric[0].Name, c.Name)})
			break
		}
	}
	return moves
}

// rangeLikeColumns are the categoricals whose every level (the profile
// lists them all: distinct ≤ its top levels) names a number or a binned
// range, as dsl.RangeLike decides ("20000 to 29000", "more than 69000").
func rangeLikeColumns(cats []features.ColumnProfile) []string {
	var out []string
	for _, c := range cats {
		if c.Distinct > len(c.Top) {
			continue
		}
		levels := make([]string, len(c.Top))
		for i, l := range c.Top {
			levels[i] = l.Value
		}
		if dsl.RangeLike(levels) {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

func joinMoves(ms []Move) string {
	var items []string
	for _, m := range ms {
		items = append(items, m.Exprs...)
	}
	return strings.Join(items, "; ")
}

// proposalsJSON renders proposals for the round's reply field.
func proposalsJSON(ps []Proposal) string {
	b, _ := json.Marshal(ps)
	return string(b)
}
