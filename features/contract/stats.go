package contract

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
)

// The names nightshift gives its custom properties and checks. They are
// part of the document format: renaming one breaks every contract written.
const (
	engineNightshift = "nightshift"

	// Table (schema object) custom properties.
	propTarget        = "target"
	propPositive      = "positive"
	propLabelRate     = "labelRate"
	propRows          = "rows"
	propMissingValues = "missingValues"

	// Column (property) custom properties.
	propKind           = "kind"
	propNullRate       = "nullRate"
	propMean           = "mean"
	propStd            = "std"
	propQuantiles      = "quantiles"
	propPSIBins        = "psiBins"
	propCategories     = "categories"
	propOtherShare     = "otherShare"
	propUnseenExpected = "unseenShareExpected"
	propTrainingAUC    = "trainingAUC"

	// Checks (the implementation of a custom rule with engine nightshift).
	checkType           = "type"
	checkRange          = "range"
	checkPSI            = "psi"
	checkMissingColumns = "missingColumns"
	checkExtraColumns   = "extraColumns"
	checkLabelLeak      = "labelLeak"

	// Parameters of the checks (custom properties of the rule).
	paramMaxPercent = "maxPercent"
	paramMaxPSI     = "maxPSI"
	paramMinAUC     = "minAUC"
	// paramSignificance, on a rule with a share limit, makes the limit one
	// the data's true share must exceed: the rule fails only when a share
	// at the limit would give so many offending rows with probability
	// below it (one-sided binomial test).
	paramSignificance = "significance"
)

// DefaultSignificance is the significance of the share rules Generate
// writes: a 1% chance of failing a file whose true share sits at the limit.
const DefaultSignificance = 0.01

// customChecks lists the nightshift checks and the parameters each takes
// (with their defaults). A constant table: never written after init.
var customChecks = map[string]map[string]float64{
	checkType:           {},
	checkRange:          {paramMaxPercent: DefaultRangeMaxPercent, paramSignificance: DefaultSignificance},
	checkPSI:            {paramMaxPSI: DefaultMaxPSI},
	checkMissingColumns: {},
	checkExtraColumns:   {},
	checkLabelLeak:      {paramMinAUC: features.LeakAUC},
}

func knownChecks() string {
	names := make([]string, 0, len(customChecks))
	for n := range customChecks {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (r *Rule) isNightshift() bool {
	return r.Type == "custom" && strings.EqualFold(strings.TrimSpace(r.Engine), engineNightshift)
}

func (r *Rule) check() string { return strings.TrimSpace(r.Implementation) }

// param is the rule's parameter name, or its default.
func (r *Rule) param(name string) float64 {
	var v float64
	if ok, err := custom(r.CustomProperties, name, &v); ok && err == nil {
		return v
	}
	return customChecks[r.check()][name]
}

// severity is the rule's severity; a rule without one is an error.
func (r *Rule) severity() string {
	if r.Severity == "" {
		return SeverityError
	}
	return r.Severity
}

// label names the rule in reports: its name, id, metric or check.
func (r *Rule) label() string {
	for _, s := range []string{r.Name, r.ID, r.Metric, r.check()} {
		if s != "" {
			return s
		}
	}
	return r.Type
}

var quantileLevels = [...]float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}

type quantiles [len(quantileLevels)]float64

// named gives the quantiles the profile's labels (p01 ... p99).
func (q quantiles) named() map[string]float64 {
	return map[string]float64{"p01": q[0], "p05": q[1], "p25": q[2], "p50": q[3], "p75": q[4], "p95": q[5], "p99": q[6]}
}

// binSpec is a numeric column's reference distribution for the population
// stability index: Shares[i] is the share of training rows in bin i of
// (-inf, Edges[0]], (Edges[0], Edges[1]], ..., (Edges[k-1], +inf), and
// MissingShare the share of missing rows.
type binSpec struct {
	Edges        []float64 `yaml:"edges,flow"`
	Shares       []float64 `yaml:"shares,flow"`
	MissingShare float64   `yaml:"missingShare"`
}

func (b binSpec) valid() error {
	if len(b.Shares) != len(b.Edges)+1 {
		return fmt.Errorf("psiBins: %d shares for %d edges (want one more share than edges)", len(b.Shares), len(b.Edges))
	}
	for i := 1; i < len(b.Edges); i++ {
		if !(b.Edges[i] > b.Edges[i-1]) {
			return fmt.Errorf("psiBins: edges must increase (edge %d is %g after %g)", i, b.Edges[i], b.Edges[i-1])
		}
	}
	return nil
}

// category is one level of a categorical column with its training count
// and share of all rows.
type category struct {
	Value string  `yaml:"value"`
	Count int     `yaml:"count"`
	Share float64 `yaml:"share"`
}

// kind is the features kind Check reads the column as: the kind custom
// property when present, else the one its logical type implies.
func (p *Property) kind() (features.Kind, error) {
	var name string
	if ok, err := custom(p.CustomProperties, propKind, &name); err != nil {
		return 0, err
	} else if ok {
		k, err := features.ParseKind(name)
		if err != nil {
			return 0, fmt.Errorf("customProperties %q: %w", propKind, err)
		}
		return k, nil
	}
	switch p.LogicalType {
	case "number", "integer":
		return features.Numeric, nil
	case "date", "timestamp":
		return features.Datetime, nil
	case "string", "":
		return features.Categorical, nil
	}
	return 0, fmt.Errorf("logicalType %q: nightshift reads number, integer, string, date and timestamp columns", p.LogicalType)
}

// Columns lists the contract's input columns with the kinds Check and
// predict read them as, in order.
func (c *Contract) Columns() []features.ColumnSchema {
	props := c.Object().Properties
	out := make([]features.ColumnSchema, len(props))
	for i, p := range props {
		k, _ := p.kind() // validated by Parse and Generate
		out[i] = features.ColumnSchema{Name: p.Name, Kind: k.String()}
	}
	return out
}

// Target returns the label column's name and its positive value, as the
// model was trained.
func (c *Contract) Target() (name, positive string) {
	cps := c.Object().CustomProperties
	custom(cps, propTarget, &name)
	custom(cps, propPositive, &positive)
	return name, positive
}

// Missing returns the field values read as missing.
func (c *Contract) Missing() []string {
	var m []string
	if ok, err := custom(c.Object().CustomProperties, propMissingValues, &m); !ok || err != nil {
		return features.DefaultMissing
	}
	if m == nil {
		m = []string{}
	}
	return m
}
