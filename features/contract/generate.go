package contract

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/features"
)

// Options describe the contract Generate writes. The zero value is usable
// except for Name.
type Options struct {
	// Name names the contract and its table (the model's name).
	Name string
	// Version is the contract's version (default "1.0.0"); a registry passes
	// the model version it belongs to.
	Version string
	// ID is the contract's identifier (default Name-Version).
	ID string
	// Created is written as contractCreatedTs when not zero.
	Created time.Time
	// Missing are the field values that were read as missing when the model
	// was trained (nil: features.DefaultMissing). Check reads new data the
	// same way.
	Missing []string
	// Purpose and Source describe the model and where the statistics come
	// from ("study fraud: the search part, holdout excluded").
	Purpose, Source string
	// MaxCategories caps the category set stored per column (default 1000,
	// the most frequent); the rest is summed into otherShare.
	MaxCategories int
	// TimeColumn is the study's time column (run --time-col), when it has
	// one. New rows are expected to be later, so a numeric time column is
	// described but not range- or shift-checked, as a datetime column is
	// not: with those rules every later file failed the contract, and
	// predict refused it.
	TimeColumn string
}

// Default limits of the rules Generate writes; all of them end up in the
// document, where a person may change them.
const (
	// DefaultUnseenMargin is the share of rows (on top of the share expected
	// from categories too rare to have been seen) that may hold categories
	// the model never saw before the rule fails.
	DefaultUnseenMargin = 0.01
	// DefaultRangeMaxPercent is the percentage of rows that may lie outside
	// the trained range.
	DefaultRangeMaxPercent = 1.0
	// DefaultMaxPSI is the population stability index above which a
	// column's distribution counts as shifted (0.25: the usual "significant
	// shift" line, e.g. Yurdakul 2018).
	DefaultMaxPSI = 0.25
	// DefaultNullMargin is the least rise of a column's null rate that
	// fails its nullValues rule (the limit is the trained rate plus the
	// larger of this and half the trained rate).
	DefaultNullMargin = 0.05
	psiBins           = 10
	psiTopCategories  = 20
	psiMinShare       = 0.01
)

// Generate builds the contract of a model trained on fr, whose label and
// per-column profile are p (the study's profile of the same rows). fr must
// hold the rows the model was searched on, never the holdout. The label
// column, when fr has it, is described in the table's customProperties, not
// as an input column.
func Generate(fr *features.Frame, p *features.Profile, opt Options) (*Contract, error) {
	if fr == nil || p == nil {
		return nil, errors.New("contract: Generate needs the training frame and its profile")
	}
	if opt.Name == "" {
		return nil, errors.New("contract: Generate needs a name")
	}
	if fr.Rows == 0 {
		return nil, fmt.Errorf("contract %q: no rows to describe", opt.Name)
	}
	opt = opt.withDefaults()
	c := newContract(opt)
	obj := tableObject(fr, p, opt)
	props, err := columnProperties(fr, p, opt)
	if err != nil {
		return nil, err
	}
	obj.Properties = props
	c.Schema = []*Object{obj}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("contract %q: generated an invalid contract: %w", opt.Name, err)
	}
	return c, nil
}

// withDefaults fills Version, ID and MaxCategories when left out.
func (opt Options) withDefaults() Options {
	if opt.Version == "" {
		opt.Version = "1.0.0"
	}
	if opt.ID == "" {
		opt.ID = stableID(opt.Name + "-" + opt.Version)
	}
	if opt.MaxCategories <= 0 {
		opt.MaxCategories = 1000
	}
	return opt
}

// newContract is the contract's fundamentals and description, without its
// schema.
func newContract(opt Options) *Contract {
	c := &Contract{
		APIVersion: APIVersion,
		Kind:       "DataContract",
		ID:         opt.ID,
		Name:       opt.Name,
		Version:    opt.Version,
		Status:     "active",
	}
	if !opt.Created.IsZero() {
		c.CreatedTs = opt.Created.UTC().Format(time.RFC3339)
	}
	c.Description = &Description{
		Purpose: opt.Purpose,
		Usage: "The input rows of model " + opt.Name + ". Producers run `nightshift check --model REF --data FILE` " +
			"before they ship data; it exits 3 when a rule of severity error fails. Edit a rule's severity " +
			"(error, warning, info) or limits to change what blocks.",
	}
	return c
}

// tableObject is the table with its own rules (columns missing or extra,
// label leak) and properties (the label, its rate, the rows, the missing
// markers), without its columns.
func tableObject(fr *features.Frame, p *features.Profile, opt Options) *Object {
	missing := opt.Missing
	if missing == nil {
		missing = features.DefaultMissing
	}
	return &Object{
		Name:         opt.Name,
		LogicalType:  "object",
		PhysicalType: "file",
		Description:  opt.Source,
		Quality: []*Rule{
			nightshiftRule(checkMissingColumns, SeverityError, "conformity", "every column of the contract is in the file (a renamed or dropped column fails here)"),
			nightshiftRule(checkExtraColumns, SeverityWarning, "conformity", "the file has no column the contract does not know (the model ignores such columns)"),
			nightshiftRule(checkLabelLeak, SeverityError, "accuracy",
				fmt.Sprintf("when the file has the label column %q, no column alone predicts it (single-column ROC AUC below minAUC)", p.Target),
				newCustom(paramMinAUC, features.LeakAUC)),
		},
		CustomProperties: []CustomProperty{
			newCustom(propTarget, p.Target),
			newCustom(propPositive, p.Positive),
			newCustom(propLabelRate, round(p.LabelRate)),
			newCustom(propRows, fr.Rows),
			newCustom(propMissingValues, missing),
		},
	}
}

// columnProperties describes every column but the label, the time column
// without range and shift rules, each with its training AUC when profiled.
func columnProperties(fr *features.Frame, p *features.Profile, opt Options) ([]*Property, error) {
	aucs := map[string]features.ColumnProfile{}
	for _, cp := range p.Columns {
		aucs[cp.Name] = cp
	}
	var props []*Property
	for _, col := range fr.Columns {
		if col.Name == p.Target {
			continue
		}
		prop, err := describe(col, fr.Rows, opt.MaxCategories)
		if err != nil {
			return nil, fmt.Errorf("contract %q: column %q: %w", opt.Name, col.Name, err)
		}
		if col.Name == opt.TimeColumn {
			prop.Quality = slices.DeleteFunc(prop.Quality, func(r *Rule) bool {
				return r.Engine == engineNightshift && (r.Implementation == checkRange || r.Implementation == checkPSI)
			})
		}
		if cp, ok := aucs[col.Name]; ok && cp.AUC > 0 {
			prop.CustomProperties = append(prop.CustomProperties, newCustom(propTrainingAUC, round(cp.AUC)))
		}
		props = append(props, prop)
	}
	return props, nil
}

// describe turns one training column into a contract property.
func describe(col *features.Column, rows, maxCats int) (*Property, error) {
	p := &Property{Name: col.Name, Required: col.Missing == 0}
	nullRate := float64(col.Missing) / float64(rows)
	p.CustomProperties = []CustomProperty{
		newCustom(propKind, col.Kind.String()),
		newCustom(propNullRate, round(nullRate)),
	}
	switch col.Kind {
	case features.Numeric:
		p.LogicalType = "number"
		p.Quality = append(p.Quality, nightshiftRule(checkType, SeverityError, "conformity", "every present value is a number"))
	case features.Datetime:
		p.LogicalType = "timestamp"
		p.Quality = append(p.Quality, nightshiftRule(checkType, SeverityError, "conformity", "every present value is an ISO 8601 date or time"))
	case features.Categorical, features.Text, features.Identifier:
		p.LogicalType = "string"
	default:
		return nil, fmt.Errorf("unknown column kind %s", col.Kind)
	}
	p.Quality = append(p.Quality, nullRule(nullRate))
	switch col.Kind {
	case features.Numeric:
		describeNumeric(p, col, rows)
	case features.Datetime:
		describeDates(p, col)
	case features.Categorical:
		describeCategories(p, col, rows, maxCats)
	}
	return p, nil
}

// nullRule is the nullValues rule: none at all for a column that had none,
// else a ceiling above the trained rate.
func nullRule(rate float64) *Rule {
	if rate == 0 {
		r := &Rule{ID: "required", Name: "required", Metric: "nullValues", MustBe: ptr(0), Unit: "rows",
			Dimension: "completeness", Severity: SeverityError,
			Description: "the column had no missing values in training: none may be missing"}
		return r
	}
	limit := math.Min(100, ceilTo(100*(rate+math.Max(DefaultNullMargin, rate/2)), 4))
	return &Rule{ID: "nullRate", Name: "nullRate", Metric: "nullValues", MustBeLessOrEqualTo: ptr(limit), Unit: "percent",
		Dimension: "completeness", Severity: SeverityError,
		Description:      fmt.Sprintf("the null rate may not jump: %.4g%% in training; fails when the file's share is above the limit beyond sampling noise (one-sided binomial test at significance)", 100*rate),
		CustomProperties: []CustomProperty{newCustom(paramSignificance, DefaultSignificance)}}
}

// finite returns the present, finite values of a numeric column, sorted.
func finite(v []float64) []float64 {
	out := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// nearestRank is the q-quantile of sorted values by the nearest-rank rule
// (the profile's definition).
func nearestRank(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func describeNumeric(p *Property, col *features.Column, rows int) {
	vals := finite(col.Num)
	if len(vals) == 0 {
		return
	}
	lo, hi := vals[0], vals[len(vals)-1]
	p.LogicalTypeOptions = map[string]any{"minimum": lo, "maximum": hi}
	var sum float64
	for _, x := range vals {
		sum += x
	}
	mean := sum / float64(len(vals))
	var m2 float64
	for _, x := range vals {
		m2 += (x - mean) * (x - mean)
	}
	std := math.Sqrt(m2 / float64(len(vals)))
	q := quantiles{}
	for i, at := range quantileLevels {
		q[i] = nearestRank(vals, at)
	}
	bins := numericBins(vals, col.Num, rows)
	p.CustomProperties = append(p.CustomProperties,
		newCustom(propMean, round(mean)),
		newCustom(propStd, round(std)),
		newCustom(propQuantiles, q.named()),
		newCustom(propPSIBins, bins),
	)
	p.Quality = append(p.Quality,
		nightshiftRule(checkRange, SeverityError, "conformity",
			"at most maxPercent of the rows lie outside logicalTypeOptions minimum..maximum (the trained range), beyond sampling noise (one-sided binomial test at significance)",
			newCustom(paramMaxPercent, DefaultRangeMaxPercent), newCustom(paramSignificance, DefaultSignificance)),
		psiRule())
}

func psiRule() *Rule {
	return nightshiftRule(checkPSI, SeverityWarning, "consistency",
		"the column's distribution has not shifted: population stability index over the psiBins (or the categories) at most maxPSI, or at most what sampling noise reaches at 99% when that is more (small files)",
		newCustom(paramMaxPSI, DefaultMaxPSI))
}

// numericBins cuts the column at its deciles (nearest rank, duplicates
// removed) and records the share of all rows in each bin and missing.
func numericBins(sorted, all []float64, rows int) binSpec {
	var edges []float64
	for k := 1; k < psiBins; k++ {
		e := nearestRank(sorted, float64(k)/psiBins)
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	if len(edges) > 0 && edges[len(edges)-1] == sorted[len(sorted)-1] {
		edges = edges[:len(edges)-1] // an empty top bin says nothing
	}
	counts, missing := binCounts(edges, all)
	b := binSpec{Edges: edges, Shares: make([]float64, len(counts)), MissingShare: round(float64(missing) / float64(rows))}
	for i, n := range counts {
		b.Shares[i] = round(float64(n) / float64(rows))
	}
	return b
}

// binCounts counts values into the bins (-inf, e0], (e0, e1], ..., (ek, +inf)
// and counts the missing ones apart.
func binCounts(edges, v []float64) ([]int, int) {
	counts := make([]int, len(edges)+1)
	missing := 0
	for _, x := range v {
		if math.IsNaN(x) {
			missing++
			continue
		}
		i := 0 // the number of edges below x; a scan beats a binary search on ten edges
		for _, e := range edges {
			if e < x {
				i++
			}
		}
		counts[i]++
	}
	return counts, missing
}

func describeDates(p *Property, col *features.Column) {
	vals := finite(col.Num)
	if len(vals) == 0 {
		return
	}
	// Dates are described, not range-checked: new rows are expected to be later.
	p.LogicalTypeOptions = map[string]any{"minimum": isoTime(vals[0]), "maximum": isoTime(vals[len(vals)-1])}
}

func isoTime(sec float64) string {
	return time.Unix(0, int64(sec*1e9)).UTC().Format(time.RFC3339Nano)
}

// describeCategories stores the category set with frequencies and the
// invalidValues rule over it. The limit is the share of rows expected to
// hold a category unseen in training — the categories left out of the
// stored set plus the Good–Turing estimate of the unseen mass (the share of
// rows whose category occurred once; Good 1953) — plus a margin.
func describeCategories(p *Property, col *features.Column, rows, maxCats int) {
	idx := make([]int, 0, len(col.Levels))
	singletons := 0
	for i, n := range col.Counts {
		if n > 0 { // a subset of rows keeps the whole dictionary: skip levels it does not hold
			idx = append(idx, i)
			if n == 1 {
				singletons++
			}
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return col.Counts[b] - col.Counts[a] })
	other := 0
	if len(idx) > maxCats {
		for _, i := range idx[maxCats:] {
			other += col.Counts[i]
		}
		idx = idx[:maxCats]
	}
	cats := make([]category, len(idx))
	valid := make([]string, len(idx))
	for j, i := range idx {
		cats[j] = category{Value: col.Levels[i], Count: col.Counts[i], Share: round(float64(col.Counts[i]) / float64(rows))}
		valid[j] = col.Levels[i]
	}
	expected := float64(other+singletons) / float64(rows)
	limit := math.Min(100, ceilTo(100*(expected+math.Max(DefaultUnseenMargin, expected/2)), 4))
	p.CustomProperties = append(p.CustomProperties,
		newCustom(propCategories, cats),
		newCustom(propOtherShare, round(float64(other)/float64(rows))),
		newCustom(propUnseenExpected, round(expected)))
	p.Quality = append(p.Quality,
		&Rule{ID: "unseenCategories", Name: "unseenCategories", Metric: "invalidValues",
			Arguments: map[string]any{"validValues": valid}, MustBeLessOrEqualTo: ptr(limit), Unit: "percent",
			Dimension: "conformity", Severity: SeverityError,
			Description:      fmt.Sprintf("at most this share of rows holds a category the model never saw (%.4g%% expected from rare categories), beyond sampling noise (one-sided binomial test at significance)", 100*expected),
			CustomProperties: []CustomProperty{newCustom(paramSignificance, DefaultSignificance)}},
		psiRule())
}

func nightshiftRule(check, severity, dimension, description string, params ...CustomProperty) *Rule {
	return &Rule{ID: check, Name: check, Description: description, Type: "custom", Engine: engineNightshift,
		Implementation: check, Dimension: dimension, Severity: severity, CustomProperties: params}
}

// stableID turns s into an ODCS StableId (^[A-Za-z0-9_-]+$).
func stableID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func ptr(v float64) *float64 { return &v }

// round keeps 6 significant digits: statistics in a contract are read by
// people and compared with tolerances, and fewer digits keep diffs calm.
func round(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return finiteOr0(x)
	}
	scale := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(x))))
	if math.IsInf(scale, 0) || scale == 0 {
		return x
	}
	return math.Round(x*scale) / scale
}

// ceilTo rounds x up to d decimals, so a limit never lands below the value
// it was computed from.
func ceilTo(x float64, d int) float64 {
	s := math.Pow(10, float64(d))
	return math.Ceil(x*s-1e-9) / s
}

func finiteOr0(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}
