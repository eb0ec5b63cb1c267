package dsl

import "sort"

// ArgType is what a parameter accepts.
type ArgType uint8

const (
	// ArgNumeric is a numeric expression: a numeric or datetime column
	// (datetime as Unix seconds), a literal, arithmetic or a numeric op.
	ArgNumeric ArgType = iota
	// ArgCategorical is a categorical, identifier or text column (each
	// distinct value a level) or a categorical op (cross, rare, hash, category).
	ArgCategorical
	// ArgText is a text or categorical column.
	ArgText
	// ArgDatetime is a datetime column or a numeric expression read as Unix seconds.
	ArgDatetime
	// ArgTime is a numeric or datetime column holding seconds (the time axis of point-in-time aggregates).
	ArgTime
	// ArgAny is any column or numeric/categorical expression.
	ArgAny
	// ArgColumn is the name of a base column (any kind).
	ArgColumn
	// ArgInt is an integer literal within [Min, Max].
	ArgInt
	// ArgFloat is a numeric literal within [Min, Max].
	ArgFloat
	// ArgString is a string literal.
	ArgString
	// ArgDuration is a string literal like "90s", "15m", "1h", "7d", "2w" or "1h30m".
	ArgDuration
	// ArgRegexp is a string literal holding an RE2 regular expression.
	ArgRegexp
	// ArgNumberList is a bracketed list of numeric literals within [Min, Max], e.g. [1, 0.5, -2].
	ArgNumberList
)

var argTypeNames = [...]string{"numeric", "categorical", "text", "datetime", "time column", "column or expression", "column name", "integer", "number", "string", "duration", "regexp", "list of numbers"}

func (t ArgType) String() string { return argTypeNames[t] }

// isLiteral reports whether the parameter takes a literal rather than an expression.
func (t ArgType) isLiteral() bool { return t >= ArgInt }

// ResultType is what an op produces.
type ResultType uint8

const (
	// ResultNumeric is a numeric column (NaN = missing).
	ResultNumeric ResultType = iota
	// ResultCategorical is a categorical column (codes into levels fitted on train).
	ResultCategorical
	// ResultSparse is a block of hashed sparse counts (for the linear model).
	ResultSparse
	// ResultNone is produced by drop.
	ResultNone
)

var resultNames = [...]string{"numeric", "categorical", "sparse", "none"}

func (t ResultType) String() string { return resultNames[t] }

// CostClass is how an op's time grows.
type CostClass string

// Cost classes, cheapest first.
const (
	CostLinear CostClass = "O(n)"       // one pass over the rows
	CostSort   CostClass = "O(n log n)" // sorts the rows (quantiles, time order)
	CostText   CostClass = "O(text)"    // scans every distinct text once
)

// Param is one parameter of an op.
type Param struct {
	Name     string
	Type     ArgType
	Required bool // positional; canonical text writes it unnamed
	// Optional marks a Required (positional) parameter that may be left
	// out: the group aggregates' by, whose absence means one group of all
	// rows. Arguments after it are then given by name.
	Optional bool
	// Variadic marks a parameter that takes every positional argument of
	// the call, at least MinVariadic and at most MaxVariadic of them, as
	// in sum(a, b, c). Only an op's first parameter may be variadic; the
	// parameters after it are given by name, and a list parameter after it
	// (wsum's weights) holds one number per argument.
	Variadic bool
	Default  string  // canonical literal text of the default ("" = none)
	Min, Max float64 // inclusive range for ArgInt and ArgFloat, and for each number of an ArgNumberList
	Doc      string
}

// Bounds on the number of arguments of a variadic parameter: one argument
// is the argument itself, and a total over more than 1024 columns is a
// matrix product, not a feature.
const (
	MinVariadic = 2
	MaxVariadic = 1024
)

// OpInfo describes one op. Ops() is the single source of truth for the
// checker, docs/features.md and the planner's Reference().
type OpInfo struct {
	Name        string
	Group       string // numeric, row, categorical, group, text, datetime, set
	Params      []Param
	Result      ResultType
	Meaning     string
	Missing     string // how missing values and unseen categories are handled
	Leakage     string // how the op avoids leaking the label or the future
	Cost        CostClass
	Example     string
	Fitted      bool // has state fitted on training rows
	OOF         bool // training-row output is out-of-fold
	Commutative bool // the first two arguments may be swapped; for a variadic op, its arguments may be reordered (each keeping its weight)
}

// variadic reports whether the op's first parameter is variadic.
func (o *OpInfo) variadic() bool { return len(o.Params) > 0 && o.Params[0].Variadic }

// Signature is the op's call form, e.g. "clip(x numeric, lo number, hi number)".
func (o *OpInfo) Signature() string {
	s := o.Name + "("
	for i, p := range o.Params {
		if i > 0 {
			s += ", "
		}
		switch {
		case p.Variadic:
			s += p.Name + "1 " + p.Type.String() + ", " + p.Name + "2 " + p.Type.String() + ", ..."
		case o.variadic() && p.Type == ArgNumberList:
			s += p.Name + "=[number, ...]"
		case o.variadic() && p.Required:
			s += p.Name + "=<" + p.Type.String() + ">"
		case p.Optional:
			s += "[" + p.Name + " " + p.Type.String() + "]"
		case p.Required:
			s += p.Name + " " + p.Type.String()
		default:
			d := p.Default
			if d == "" {
				d = "none"
			}
			s += p.Name + "=" + d
		}
	}
	return s + ") → " + o.Result.String()
}

const (
	noLeak      = "Reads no label; fitted state (if any) comes from training rows only."
	rowwise     = "Row-wise, no fitted state; reads no label."
	missNumeric = "Missing in → missing out."
	missText    = "Missing text → missing."
	groupLeak   = "Never reads the label. Without time=: statistics of the group's training rows; in the training output each row is left out of its own group (leave-one-out), so a training row sees what a new row of its group sees — with itself included, a mean over near-unique groups would copy x on training rows and be missing on new ones. With time= (and optional window=): point-in-time — a row sees only rows of its group strictly earlier in time (within the window), from the training history plus the rows being scored, so velocity features never see the future."
	// rowMiss: a total over parts of which some are missing is best the
	// total of the parts present (a tree then splits on what is known, and
	// is_missing(...) can flag the gaps); a row with no part present has no
	// total. pandas' DataFrame.sum(axis=1) gives 0 there (min_count=0), which
	// would make "nothing known" look like "nothing spent".
	rowMiss   = "Missing x's are skipped; a row with every x missing → missing (pandas' sum would give 0 there: write fill(sum(...), 0) for that, and a + b + c for a sum missing when any part is). A non-finite result → missing."
	groupMiss = "Missing group or time → missing (count: missing group → missing; without by, a missing time → missing). An unseen group (or, in the training output, a row alone in its group) → count 0 and missing statistics."
)

func numParam(name, doc string) Param {
	return Param{Name: name, Type: ArgNumeric, Required: true, Doc: doc}
}
func catParam(name, doc string) Param {
	return Param{Name: name, Type: ArgCategorical, Required: true, Doc: doc}
}
func textParam() Param {
	return Param{Name: "t", Type: ArgText, Required: true, Doc: "text or categorical column"}
}
func timeParams() []Param {
	return []Param{
		{Name: "window", Type: ArgDuration, Default: `""`, Doc: `look-back window ending just before the row's time, e.g. "1h", "7d"; "" = all earlier rows (needs time=)`},
		{Name: "time", Type: ArgTime, Doc: "column of event times in seconds (datetime or numeric); makes the aggregate point-in-time"},
	}
}

// rowOp is a row-wise aggregate over its variadic numeric arguments.
func rowOp(name, meaning, example string) OpInfo {
	return OpInfo{Name: name, Group: "row", Params: []Param{rowArgs()}, Result: ResultNumeric, Meaning: meaning, Missing: rowMiss, Leakage: rowwise, Cost: CostLinear, Example: example, Commutative: true}
}

func rowArgs() Param {
	return Param{Name: "x", Type: ArgNumeric, Required: true, Variadic: true, Doc: "columns or expressions: the parts of a total, the scores to average, the dates to take the latest of"}
}

func unary(name, group, meaning, example string) OpInfo {
	return OpInfo{Name: name, Group: group, Params: []Param{numParam("x", "")}, Result: ResultNumeric, Meaning: meaning, Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: example}
}

func textStat(name, meaning, example string) OpInfo {
	return OpInfo{Name: name, Group: "text", Params: []Param{textParam()}, Result: ResultNumeric, Meaning: meaning, Missing: missText, Leakage: rowwise, Cost: CostText, Example: example}
}

func dateOp(name, meaning, example string) OpInfo {
	return OpInfo{Name: name, Group: "datetime", Params: []Param{{Name: "ts", Type: ArgDatetime, Required: true}}, Result: ResultNumeric, Meaning: meaning, Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: example}
}

func groupOp(name, meaning, example string, withX bool, xType ArgType) OpInfo {
	ps := []Param{{Name: "by", Type: ArgCategorical, Required: true, Optional: true, Doc: `the grouping column (categorical, identifier or text column, or a categorical op); leave it out (and give time=) to aggregate over all rows: traffic velocity, e.g. group_count(window="10m", time=ts)`}}
	if withX {
		ps = append([]Param{{Name: "x", Type: xType, Required: true, Doc: "the value aggregated"}}, ps...)
	}
	ps = append(ps, timeParams()...)
	return OpInfo{Name: name, Group: "group", Params: ps, Result: ResultNumeric, Meaning: meaning, Missing: groupMiss, Leakage: groupLeak, Cost: CostSort, Example: example, Fitted: true}
}

// opTable builds the registry. It is a function (not a package variable) so
// that no mutable table exists at package level.
func opTable() []OpInfo {
	return []OpInfo{
		unary("log1p", "numeric", "log(1+x); x ≤ -1 → missing.", "log1p(amount)"),
		unary("sqrt", "numeric", "Square root; x < 0 → missing.", "sqrt(amount)"),
		unary("abs", "numeric", "Absolute value.", "abs(balance_delta)"),
		{Name: "clip", Group: "numeric", Params: []Param{numParam("x", ""), {Name: "lo", Type: ArgFloat, Required: true, Min: -1e300, Max: 1e300}, {Name: "hi", Type: ArgFloat, Required: true, Min: -1e300, Max: 1e300}}, Result: ResultNumeric, Meaning: "x limited to [lo, hi] (lo ≤ hi).", Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: "clip(amount, 0, 5000)"},
		{Name: "ratio", Group: "numeric", Params: []Param{numParam("a", ""), numParam("b", "")}, Result: ResultNumeric, Meaning: "a / b; b = 0 → missing.", Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: "ratio(amount, balance)"},
		{Name: "diff", Group: "numeric", Params: []Param{numParam("a", ""), numParam("b", "")}, Result: ResultNumeric, Meaning: "a - b.", Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: "diff(new_balance, old_balance)"},
		{Name: "prod", Group: "numeric", Params: []Param{numParam("a", ""), numParam("b", "")}, Result: ResultNumeric, Meaning: "a * b.", Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: "prod(price, quantity)", Commutative: true},
		{Name: "pow", Group: "numeric", Params: []Param{numParam("x", ""), {Name: "k", Type: ArgFloat, Required: true, Min: -4, Max: 4, Doc: "exponent, |k| ≤ 4"}}, Result: ResultNumeric, Meaning: "x to the power k (|k| ≤ 4); undefined results (negative x with fractional k, 0 with negative k) → missing.", Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: "pow(age, 2)"},
		{Name: "bin", Group: "numeric", Params: []Param{numParam("x", ""), {Name: "k", Type: ArgInt, Required: true, Min: 2, Max: 256, Doc: "number of bins"}}, Result: ResultNumeric, Meaning: "Quantile bin index 0..k-1; the k-1 edges are quantiles of x on the training rows (ties merge bins; above 200,000 rows, of 200,000 evenly spaced rows). Bin i holds edge[i-1] < x ≤ edge[i].", Missing: missNumeric, Leakage: noLeak, Cost: CostSort, Example: "bin(amount, 16)", Fitted: true},
		{Name: "rank", Group: "numeric", Params: []Param{numParam("x", "")}, Result: ResultNumeric, Meaning: "Percentile rank of x in the training distribution, in [0, 1]: the mid-rank fraction (rows below + half the rows equal) / rows of a training value, linear interpolation between stored values (at most 4096, from at most 200,000 evenly spaced training rows), 0 below the training minimum and 1 above the maximum.", Missing: missNumeric, Leakage: noLeak, Cost: CostSort, Example: "rank(amount)", Fitted: true},
		{Name: "is_missing", Group: "numeric", Params: []Param{{Name: "x", Type: ArgAny, Required: true}}, Result: ResultNumeric, Meaning: "1 when x is missing, else 0 (any column kind).", Missing: "Never missing.", Leakage: rowwise, Cost: CostLinear, Example: "is_missing(income)"},
		{Name: "fill", Group: "numeric", Params: []Param{numParam("x", ""), {Name: "v", Type: ArgFloat, Required: true, Min: -1e300, Max: 1e300}}, Result: ResultNumeric, Meaning: "x with missing values replaced by v.", Missing: "Missing → v.", Leakage: rowwise, Cost: CostLinear, Example: "fill(income, 0)"},

		rowOp("sum", "Sum of the x's present in the row: the total of one quantity split over several columns (charges per period, amounts per category), which trees cannot add up themselves.", "sum(charge_jan, charge_feb, charge_mar)"),
		rowOp("mean", "Mean of the x's present in the row (their sum / how many are present).", "mean(score_a, score_b, score_c)"),
		rowOp("min", "Smallest of the x's present in the row.", "min(balance_q1, balance_q2, balance_q3, balance_q4)"),
		rowOp("max", "Largest of the x's present in the row.", "max(days_late_1, days_late_2, 0)"),
		{Name: "wsum", Group: "row", Params: []Param{rowArgs(), {Name: "weights", Type: ArgNumberList, Required: true, Min: -1e300, Max: 1e300, Doc: "one number per x, in the order the x's are written: weights[i] multiplies the i-th x"}}, Result: ResultNumeric, Meaning: "Weighted sum w1·x1 + w2·x2 + ... over the x's present in the row (not divided by the weights' sum).", Missing: rowMiss, Leakage: rowwise, Cost: CostLinear, Example: "wsum(visits_1d, visits_7d, visits_30d, weights=[1, 0.5, 0.1])", Commutative: true},

		{Name: "count", Group: "categorical", Params: []Param{catParam("c", "")}, Result: ResultNumeric, Meaning: "Number of training rows holding the row's level (frequency encoding).", Missing: "Missing → missing; unseen level → 0.", Leakage: noLeak, Cost: CostLinear, Example: "count(merchant)", Fitted: true},
		{Name: "target_mean", Group: "categorical", Params: []Param{catParam("c", ""), {Name: "smoothing", Type: ArgFloat, Default: "10", Min: 0, Max: 1e6, Doc: "pseudo-count m pulling rare levels toward the prior"}}, Result: ResultNumeric, Meaning: "Smoothed positive rate of the row's level: (positives + m·prior) / (rows + m), prior = training positive rate (Micci-Barreca 2001, additive smoothing).", Missing: "Missing is its own level; unseen level → prior.", Leakage: "Reads the label, so it is fitted out-of-fold: on the training rows each row is encoded with statistics from the other folds (FitOptions.Folds, default 5, seeded); validation and prediction rows use the table fitted on all training rows.", Cost: CostLinear, Example: "target_mean(merchant, smoothing=20)", Fitted: true, OOF: true},
		{Name: "cross", Group: "categorical", Params: []Param{catParam("a", ""), catParam("b", ""), {Name: "max_levels", Type: ArgInt, Default: "1000", Min: 2, Max: 100000, Doc: "cap on levels kept"}}, Result: ResultCategorical, Meaning: `Combined category "a|b"; the max_levels-1 most frequent training pairs are kept, all others map to the level "__other__".`, Missing: "Either side missing → missing; unseen pair → __other__.", Leakage: noLeak, Cost: CostLinear, Example: "cross(device, region)", Fitted: true, Commutative: true},
		{Name: "rare", Group: "categorical", Params: []Param{catParam("c", ""), {Name: "min_count", Type: ArgInt, Default: "10", Min: 1, Max: 1e9}}, Result: ResultCategorical, Meaning: `Levels seen on fewer than min_count training rows become "__rare__".`, Missing: "Missing → missing; unseen level → __rare__.", Leakage: noLeak, Cost: CostLinear, Example: "rare(merchant, min_count=20)", Fitted: true},
		{Name: "hash", Group: "categorical", Params: []Param{{Name: "c", Type: ArgCategorical, Required: true}, {Name: "buckets", Type: ArgInt, Required: true, Min: 2, Max: 1 << 20}}, Result: ResultCategorical, Meaning: "Level hashed (FNV-1a 32-bit of its text) into buckets categories named h0..h{buckets-1}.", Missing: "Missing → missing; unseen levels hash like any other.", Leakage: rowwise, Cost: CostLinear, Example: "hash(device_id, 1024)"},

		{Name: "range_mid", Group: "categorical", Params: []Param{catParam("c", "levels naming numbers or binned ranges")}, Result: ResultNumeric, Meaning: `The number a level names, so trees split binned ranges in their order rather than as unordered categories: "a to b" (also "a - b", "between a and b") → (a+b)/2; "more than a" (over, above, a+, > a, at least a, a or more) → a + |a|/4; "less than a" (under, below, < a, up to a, at most a, a or less) → a − |a|/4 (a = 0: ±1); "a", "a years", "2 vehicles" → a; "none", "zero", "new" → 0. Numbers are standalone decimal tokens (thousands commas allowed; digits glued to letters, as in hashed ids, are words); day, week, month and year after a number convert it to years ("under 6 months" < "1 year"), and a range's number without a unit takes the other end's. Other words are ignored.`, Missing: "Missing → missing; a level that names no number or range (no number, three numbers, two without to/-/and between) → missing; unseen levels parse like any other.", Leakage: rowwise, Cost: CostLinear, Example: "range_mid(VehiclePrice)"},
		{Name: "category", Group: "categorical", Params: []Param{numParam("x", "")}, Result: ResultCategorical, Meaning: "The exact numeric value as a category (its level is the shortest decimal text of the value): lets amounts, codes and other repeated numbers be counted, encoded or grouped by.", Missing: "Missing → missing; as an output column, a value not seen in training → missing.", Leakage: rowwise, Cost: CostLinear, Example: `group_count(category(Amount), window="1h", time=Time)`},

		groupOp("group_count", "Number of rows in the row's group (point-in-time: earlier rows in the window — a velocity).", `group_count(card, window="1h", time=ts)`, false, 0),
		groupOp("group_mean", "Mean of x over the row's group (non-missing x).", "group_mean(amount, by=card)", true, ArgNumeric),
		groupOp("group_std", "Population standard deviation of x over the row's group (non-missing x).", `group_std(amount, card, window="7d", time=ts)`, true, ArgNumeric),
		groupOp("group_max", "Maximum of x over the row's group.", `group_max(amount, by=card, time=ts)`, true, ArgNumeric),
		groupOp("group_nunique", "Number of distinct non-missing x values in the row's group.", `group_nunique(merchant, by=card, window="1d", time=ts)`, true, ArgAny),

		textStat("length", "Number of characters (Unicode code points).", "length(text)"),
		textStat("word_count", "Number of whitespace-separated words.", "word_count(text)"),
		textStat("count_digits", "Number of decimal digits.", "count_digits(text)"),
		textStat("count_upper", "Number of upper-case letters.", "count_upper(text)"),
		textStat("count_urls", `Number of URLs (http://, https:// or www. followed by non-space).`, "count_urls(text)"),
		{Name: "contains", Group: "text", Params: []Param{textParam(), {Name: "s", Type: ArgString, Required: true, Doc: "substring, matched case-insensitively"}}, Result: ResultNumeric, Meaning: "1 when t contains s (case-insensitive), else 0.", Missing: missText, Leakage: rowwise, Cost: CostText, Example: `contains(text, "free")`},
		{Name: "regex_count", Group: "text", Params: []Param{textParam(), {Name: "re", Type: ArgRegexp, Required: true, Doc: "RE2 syntax (linear time)"}}, Result: ResultNumeric, Meaning: "Number of non-overlapping matches of the RE2 regexp re.", Missing: missText, Leakage: rowwise, Cost: CostText, Example: `regex_count(text, "[$£€]\\d+")`},
		{Name: "tokens", Group: "text", Params: []Param{textParam(), {Name: "buckets", Type: ArgInt, Default: "4096", Min: 16, Max: 1 << 20}}, Result: ResultSparse, Meaning: "Hashed counts of lower-cased word tokens and word bigrams (FNV-1a mod buckets): a sparse block for the linear model; the GBDT ignores it (give it text stats).", Missing: "Missing text → empty row.", Leakage: rowwise, Cost: CostText, Example: "tokens(text, buckets=65536)"},

		dateOp("hour", "Hour of day 0..23 (UTC).", "hour(ts)"),
		dateOp("weekday", "Day of week 0..6, Sunday = 0 (UTC).", "weekday(ts)"),
		dateOp("day", "Day of month 1..31 (UTC).", "day(ts)"),
		dateOp("month", "Month 1..12 (UTC).", "month(ts)"),
		dateOp("epoch", "Unix seconds.", "epoch(ts)"),
		{Name: "since", Group: "datetime", Params: []Param{{Name: "ts", Type: ArgDatetime, Required: true}, {Name: "other", Type: ArgDatetime, Required: true}}, Result: ResultNumeric, Meaning: "Seconds from other to ts (ts - other).", Missing: missNumeric, Leakage: rowwise, Cost: CostLinear, Example: "since(ts, signup_ts)"},

		{Name: "drop", Group: "set", Params: []Param{{Name: "col", Type: ArgColumn, Required: true}}, Result: ResultNone, Meaning: "Removes a base column from the pass-through set (expressions may still read it). Only at the top level of a feature set.", Missing: "-", Leakage: "-", Cost: CostLinear, Example: "drop(PolicyNumber)"},
	}
}

// Ops returns the registry of ops, sorted by group then name. The slice is
// fresh on each call.
func Ops() []OpInfo {
	ops := opTable()
	order := map[string]int{"numeric": 0, "row": 1, "categorical": 2, "group": 3, "text": 4, "datetime": 5, "set": 6}
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Group != ops[j].Group {
			return order[ops[i].Group] < order[ops[j].Group]
		}
		return false
	})
	return ops
}

// opIndex maps op names to their info; built once per Parse.
func opIndex() map[string]*OpInfo {
	ops := opTable()
	m := make(map[string]*OpInfo, len(ops))
	for i := range ops {
		m[ops[i].Name] = &ops[i]
	}
	return m
}
