package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
)

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
		q := plan.QuoteColumn(c.Name)
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
			moves = append(moves, Move{Exprs: []string{"log1p(" + plan.QuoteColumn(c.Name) + ")"},
				Why: fmt.Sprintf("%s is right-skewed (skew %.1f): log1p makes it usable for the linear model", c.Name, c.Numeric.Skew), LinearOnly: true})
		}
	}
	for _, c := range cats {
		if c.Distinct >= 20 {
			q := plan.QuoteColumn(c.Name)
			moves = append(moves, Move{Exprs: []string{"count(" + q + ")"},
				Why: fmt.Sprintf("%s has %d levels: how common a level is often separates fraud and clicks", c.Name, c.Distinct)})
			moves = append(moves, Move{Exprs: []string{"target_mean(" + q + ", smoothing=20)"},
				Why: fmt.Sprintf("%s has %d levels: an out-of-fold target encoding summarises them in one column", c.Name, c.Distinct)})
		}
	}
	if ranged := rangeLikeColumns(cats); len(ranged) > 0 {
		var exprs []string
		for _, name := range ranged {
			q := plan.QuoteColumn(name)
			exprs = append(exprs, "drop("+q+")", "range_mid("+q+")")
		}
		moves = append(moves, Move{Exprs: exprs,
			Why: fmt.Sprintf("%d categoricals are binned numeric ranges (%s): read as ordered numbers, the trees split them in order instead of as unordered levels",
				len(ranged), strings.Join(ranged, ", "))})
	}
	if len(cats) >= 2 {
		moves = append(moves, Move{Exprs: []string{"cross(" + plan.QuoteColumn(cats[0].Name) + ", " + plan.QuoteColumn(cats[1].Name) + ", max_levels=1000)"},
			Why: fmt.Sprintf("the two strongest categoricals, %s and %s, may interact", cats[0].Name, cats[1].Name)})
	}
	if len(numeric) >= 2 {
		moves = append(moves, Move{Exprs: []string{"ratio(" + plan.QuoteColumn(numeric[0].Name) + ", " + plan.QuoteColumn(numeric[1].Name) + ")"},
			Why: fmt.Sprintf("a ratio of the two strongest numeric columns, %s and %s, is a split no single threshold can make", numeric[0].Name, numeric[1].Name)})
	}
	for _, c := range cats {
		if c.Distinct >= 50 && len(numeric) > 0 {
			moves = append(moves, Move{Exprs: []string{"group_mean(" + plan.QuoteColumn(numeric[0].Name) + ", by=" + plan.QuoteColumn(c.Name) + ")"},
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
