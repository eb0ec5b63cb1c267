package dsl

import (
	"fmt"
	"math"
	"regexp"
	"unicode"
)

// buildImpl constructs the implementation of a bound, type-checked call.
// types are the types of its expression arguments, in parameter order.
// The switch is the table of ops, one line each; an op with rules of its
// own about its arguments has a constructor below.
func buildImpl(e *Call, types []vtype) (opImpl, error) {
	switch e.Name {
	case "log1p":
		return unaryImpl{log1pFunc}, nil
	case "sqrt":
		return unaryImpl{sqrtFunc}, nil
	case "abs":
		return unaryImpl{math.Abs}, nil
	case "clip":
		return newClip(e)
	case "ratio":
		return binaryImpl{safeDiv}, nil
	case "diff":
		return binaryImpl{func(a, b float64) float64 { return a - b }}, nil
	case "prod":
		return binaryImpl{func(a, b float64) float64 { return a * b }}, nil
	case "pow":
		return unaryImpl{powFunc(e.num("k"))}, nil
	case "sum", "mean", "min", "max":
		return rowImpl{stat: rowStatOf(e.Name)}, nil
	case "wsum":
		return rowImpl{stat: rowSum, weights: e.numbers("weights")}, nil
	case "bin":
		return &binImpl{k: int(e.num("k"))}, nil
	case "rank":
		return &rankImpl{}, nil
	case "is_missing":
		return isMissingImpl{}, nil
	case "fill":
		return fillImpl{e.num("v")}, nil
	case "count":
		return &countImpl{}, nil
	case "target_mean":
		return &targetMeanImpl{m: e.num("smoothing")}, nil
	case "cross":
		return &crossImpl{maxLevels: int(e.num("max_levels"))}, nil
	case "rare":
		return &rareImpl{minCount: int(e.num("min_count"))}, nil
	case "hash":
		return hashImpl{buckets: int(e.num("buckets"))}, nil
	case "category":
		return categoryImpl{}, nil
	case "range_mid":
		return textImpl{rangeMid}, nil
	case "group_count", "group_mean", "group_std", "group_max", "group_nunique":
		return newGroup(e, types)
	case "length":
		return textImpl{runeLength}, nil
	case "word_count":
		return textImpl{wordCount}, nil
	case "count_digits":
		return textImpl{countRunes(isASCIIDigit)}, nil
	case "count_upper":
		return textImpl{countRunes(unicode.IsUpper)}, nil
	case "count_urls":
		return textImpl{countURLs()}, nil
	case "contains":
		return textImpl{containsFold(e.str("s"))}, nil
	case "regex_count":
		return newRegexCount(e)
	case "tokens":
		return &tokensImpl{buckets: int(e.num("buckets"))}, nil
	case "hour":
		return unaryImpl{hourOf}, nil
	case "weekday":
		return unaryImpl{weekdayOf}, nil
	case "day":
		return unaryImpl{calendar(func(t timeT) int { return t.Day() })}, nil
	case "month":
		return unaryImpl{calendar(func(t timeT) int { return int(t.Month()) })}, nil
	case "epoch":
		return unaryImpl{identity}, nil
	case "since":
		return binaryImpl{func(a, b float64) float64 { return a - b }}, nil
	}
	return nil, fmt.Errorf("op %q has no implementation", e.Name)
}

// newClip refuses a range whose lo is above its hi.
func newClip(e *Call) (opImpl, error) {
	lo, hi := e.num("lo"), e.num("hi")
	if lo > hi {
		return nil, fmt.Errorf("clip: lo %s is greater than hi %s", formatNumber(lo), formatNumber(hi))
	}
	return unaryImpl{func(x float64) float64 { return math.Min(math.Max(x, lo), hi) }}, nil
}

// newGroup builds a group aggregate: point-in-time with time=, over all
// rows without by= (which needs time=), windowed only with time=.
func newGroup(e *Call, types []vtype) (opImpl, error) {
	g := &groupImpl{stat: e.Name[len("group_"):], hasX: e.Name != "group_count"}
	if g.hasX {
		g.xCat = types[0] == vCat || types[0] == vText
	}
	g.pit = e.literal("time") != nil
	g.allRows = e.literal("by") == nil
	g.window = durationSeconds(e.str("window"))
	if g.window > 0 && !g.pit {
		return nil, fmt.Errorf("%s: window=%q needs time=<column>", e.Name, e.str("window"))
	}
	if g.allRows && !g.pit {
		return nil, fmt.Errorf("%s without by= is over all rows and needs time=<column> (with an optional window=): over all training rows at once it would be one constant", e.Name)
	}
	return g, nil
}

func newRegexCount(e *Call) (opImpl, error) {
	re, err := regexp.Compile(e.str("re"))
	if err != nil {
		return nil, fmt.Errorf("regex_count: %v", err)
	}
	return textImpl{regexCounter(re)}, nil
}
