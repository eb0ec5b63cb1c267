package contract

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
)

// CheckOptions tune Check. The zero value is the default.
type CheckOptions struct {
	// Examples is how many example values a violation lists (default 5).
	Examples int
	// Seed fixes the row sample of the label-leak test.
	Seed uint64
}

// minLeakClassRows is the least number of rows of each label class for the
// label-leak test to mean anything; below it the test is skipped, saying so.
const minLeakClassRows = 10

// Check runs every rule of c on in and reports each one that fails.
func Check(ctx context.Context, c *Contract, in *Input, opt CheckOptions) (*Report, error) {
	if opt.Examples <= 0 {
		opt.Examples = 5
	}
	fr := in.Frame
	rep := &Report{Contract: c.Name + " " + c.Version, File: in.Path, Rows: fr.Rows, Violations: []Violation{}, Skipped: []string{}}
	ck := &checker{c: c, in: in, fr: fr, rep: rep, opt: opt}
	obj := c.Object()
	target, _ := c.Target()
	known := map[string]bool{target: true}
	var absent []string
	for _, p := range obj.Properties {
		known[p.Name] = true
		if fr.Col(p.Name) == nil {
			absent = append(absent, p.Name)
		}
	}
	var extra []string
	for _, col := range fr.Columns {
		if !known[col.Name] {
			extra = append(extra, col.Name)
		}
	}
	for _, r := range obj.Quality {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ck.tableRule(r, absent, extra)
	}
	for _, p := range obj.Properties {
		col := fr.Col(p.Name)
		if col == nil {
			continue // reported by missingColumns
		}
		for _, r := range p.Quality {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ck.columnRule(p, col, r)
		}
	}
	return rep, nil
}

type checker struct {
	c   *Contract
	in  *Input
	fr  *features.Frame
	rep *Report
	opt CheckOptions
}

func (ck *checker) skip(where string, r *Rule, why string) {
	ck.rep.Skipped = append(ck.rep.Skipped, fmt.Sprintf("%s rule %q: %s", where, r.label(), why))
}

// line is the file line row starts on, 0 when the input has no lines.
func (ck *checker) line(row int) int {
	if row < len(ck.fr.Lines) {
		return int(ck.fr.Lines[row])
	}
	return 0
}

// ofRows is "n of N rows", N the file's rows.
func (ck *checker) ofRows(n int) string { return fmt.Sprintf("%d of %d rows", n, ck.fr.Rows) }

func (ck *checker) example(row int, value string) Example {
	return Example{Value: value, Line: ck.line(row), Row: row + 1}
}

// moreLines is how many further lines an example of a repeated value names.
const moreLines = 3

// distinctExamples lists up to opt.Examples distinct values of the rows (in
// file order), each with its first row and its count.
func (ck *checker) distinctExamples(rows []int, value func(int) string) []Example {
	var out []Example
	at := map[string]int{}
	for _, i := range rows {
		v := value(i)
		if j, ok := at[v]; ok {
			if j >= 0 {
				out[j].Count++
				if len(out[j].MoreLines) < moreLines {
					e := ck.example(i, v)
					if e.Line > 0 {
						out[j].MoreLines = append(out[j].MoreLines, e.Line)
					} else {
						out[j].MoreLines = append(out[j].MoreLines, e.Row)
					}
				}
			}
			continue
		}
		if len(out) < ck.opt.Examples {
			at[v] = len(out)
			e := ck.example(i, v)
			e.Count = 1
			out = append(out, e)
		} else {
			at[v] = -1
		}
	}
	return out
}

func (ck *checker) firstExamples(rows []int, value func(int) string) []Example {
	var out []Example
	for _, i := range rows[:min(len(rows), ck.opt.Examples)] {
		out = append(out, ck.example(i, value(i)))
	}
	return out
}

func (ck *checker) tableRule(r *Rule, absent, extra []string) {
	if !r.isNightshift() {
		if r.Metric == "rowCount" {
			ck.library(r, "", "rowCount", float64(ck.fr.Rows), nil, "")
			return
		}
		ck.skip("table", r, unsupported(r))
		return
	}
	switch r.check() {
	case checkMissingColumns:
		for _, name := range absent {
			msg := fmt.Sprintf("column %q is not in the file", name)
			if len(extra) > 0 {
				msg += fmt.Sprintf(" (was it renamed? the file has columns the contract does not know: %s)", joinQuoted(extra, 5))
			}
			ck.rep.add(Violation{Column: name, Rule: r.label(), Check: "missingColumn", Severity: r.severity(),
				Count: ck.fr.Rows, Limit: "the column must be present", Message: msg})
		}
	case checkExtraColumns:
		for _, name := range extra {
			ck.rep.add(Violation{Column: name, Rule: r.label(), Check: "extraColumn", Severity: r.severity(),
				Limit: "only the contract's columns", Message: fmt.Sprintf("column %q is not in the contract; the model ignores it", name)})
		}
	case checkLabelLeak:
		ck.labelLeak(r)
	default:
		ck.skip("table", r, "a column check on the table")
	}
}

func unsupported(r *Rule) string {
	switch {
	case r.Type == "custom":
		return fmt.Sprintf("engine %q is not nightshift", r.Engine)
	case r.Type == "sql" || r.Type == "text":
		return r.Type + " rules are not run by nightshift"
	case r.Metric != "":
		return fmt.Sprintf("metric %q is not checked here", r.Metric)
	}
	return "no metric"
}

func (ck *checker) columnRule(p *Property, col *features.Column, r *Rule) {
	where := fmt.Sprintf("column %q", p.Name)
	if !r.isNightshift() {
		switch r.Metric {
		case "nullValues":
			rows := ck.nullRows(col)
			ck.library(r, col.Name, "nullValues", float64(len(rows)), ck.firstExamples(rows, func(int) string { return "" }),
				fmt.Sprintf("%s are missing", ck.ofRows(len(rows))))
		case "invalidValues":
			ck.invalidValues(where, p, col, r)
		default:
			ck.skip(where, r, unsupported(r))
		}
		return
	}
	switch r.check() {
	case checkType:
		ck.typeRule(p, col, r)
	case checkRange:
		ck.rangeRule(where, p, col, r)
	case checkPSI:
		ck.psiRule(where, p, col, r)
	default:
		ck.skip(where, r, "a table check on a column")
	}
}

// nullRows are the rows missing in the file (not those whose value was of
// the wrong type: the type rule reports those).
func (ck *checker) nullRows(col *features.Column) []int {
	bad := ck.in.bad[col.Name]
	skip := map[int]bool{}
	if bad != nil {
		for _, i := range bad.rows {
			skip[i] = true
		}
	}
	var rows []int
	for i := 0; i < col.Len(); i++ {
		if col.IsMissing(i) && !skip[i] {
			rows = append(rows, i)
		}
	}
	return rows
}

// library evaluates a library rule's operators on a count of rows (or, with
// unit percent, its share of the file's rows) and records a violation when
// they fail. what says what the count is, for the message.
func (ck *checker) library(r *Rule, column, check string, count float64, examples []Example, what string) {
	value := count
	unit := ""
	if r.Unit == "percent" {
		value, unit = 0, "%"
		if ck.fr.Rows > 0 {
			value = 100 * count / float64(ck.fr.Rows)
		}
	}
	ok, limit, has := r.holds(value)
	if !has {
		ck.skip(fmt.Sprintf("column %q", column), r, "no operator (mustBe, mustBeLessThan, ...) to compare with")
		return
	}
	if ok {
		return
	}
	noise := ""
	if alpha := r.significance(); unit != "" && alpha > 0 {
		bound, upper := r.upperBound()
		if !upper {
			ck.skip(fmt.Sprintf("column %q", column), r, "significance applies to mustBeLessThan/mustBeLessOrEqualTo limits only; compared exactly")
		} else {
			p := binomialTail(int(count), ck.fr.Rows, bound/100)
			if p >= alpha {
				return // above the limit, but no more than sampling noise explains
			}
			noise = fmt.Sprintf(", beyond sampling noise (p = %.2g)", p)
		}
	}
	if what == "" {
		what = fmt.Sprintf("%s is %s", check, fmtNum(count))
	}
	if unit != "" {
		what += fmt.Sprintf(" (%s%%)", fmtNum(value))
	}
	ck.rep.add(Violation{Column: column, Rule: r.label(), Check: check, Severity: r.severity(), Count: int(count),
		Observed: value, Limit: limit + unit,
		Message: fmt.Sprintf("%s; the rule: %s %s%s%s", what, r.metricWords(), limit, unit, noise), Examples: examples})
}

// holds compares v with every operator of the rule; limit describes them.
// has is false when the rule has none.
func (r *Rule) holds(v float64) (ok bool, limit string, has bool) {
	ok = true
	var parts []string
	test := func(p *float64, sym string, pass func(float64) bool) {
		if p == nil {
			return
		}
		parts = append(parts, sym+" "+fmtNum(*p))
		if !pass(*p) {
			ok = false
		}
	}
	test(r.MustBe, "=", func(x float64) bool { return v == x })
	test(r.MustNotBe, "≠", func(x float64) bool { return v != x })
	test(r.MustBeGreaterThan, ">", func(x float64) bool { return v > x })
	test(r.MustBeGreaterOrEqualTo, "≥", func(x float64) bool { return v >= x })
	test(r.MustBeLessThan, "<", func(x float64) bool { return v < x })
	test(r.MustBeLessOrEqualTo, "≤", func(x float64) bool { return v <= x })
	// ODCS: mustBeBetween [a, b] is mustBeGreaterThan a and mustBeLessThan b.
	if b := r.MustBeBetween; len(b) == 2 {
		parts = append(parts, fmt.Sprintf("in (%s, %s)", fmtNum(b[0]), fmtNum(b[1])))
		ok = ok && v > b[0] && v < b[1]
	}
	if b := r.MustNotBeBetween; len(b) == 2 {
		parts = append(parts, fmt.Sprintf("outside (%s, %s)", fmtNum(b[0]), fmtNum(b[1])))
		ok = ok && !(v > b[0] && v < b[1])
	}
	return ok, "must be " + strings.Join(parts, " and "), len(parts) > 0
}

// significance is the rule's significance custom property (0: none).
func (r *Rule) significance() float64 {
	var a float64
	if ok, err := custom(r.CustomProperties, paramSignificance, &a); ok && err == nil {
		return a
	}
	return 0
}

// upperBound is the rule's upper limit when its only operators are
// mustBeLessThan/mustBeLessOrEqualTo (the smaller, when both).
func (r *Rule) upperBound() (float64, bool) {
	if r.MustBe != nil || r.MustNotBe != nil || r.MustBeGreaterThan != nil || r.MustBeGreaterOrEqualTo != nil ||
		r.MustBeBetween != nil || r.MustNotBeBetween != nil {
		return 0, false
	}
	switch {
	case r.MustBeLessThan != nil && r.MustBeLessOrEqualTo != nil:
		return math.Min(*r.MustBeLessThan, *r.MustBeLessOrEqualTo), true
	case r.MustBeLessThan != nil:
		return *r.MustBeLessThan, true
	case r.MustBeLessOrEqualTo != nil:
		return *r.MustBeLessOrEqualTo, true
	}
	return 0, false
}

// metricWords names what a library rule measures, for messages.
func (r *Rule) metricWords() string {
	switch {
	case r.Metric == "rowCount":
		return "the row count"
	case r.Unit == "percent":
		return "the share of " + r.Metric
	}
	return "the number of " + r.Metric
}

// invalidValues: rows whose value is not in arguments.validValues, or does
// not match arguments.pattern. Missing rows are the nullValues rule's.
func (ck *checker) invalidValues(where string, p *Property, col *features.Column, r *Rule) {
	var valid []string
	var pattern string
	if v, ok := r.Arguments["validValues"]; ok {
		switch list := v.(type) {
		case []string:
			valid = list
		case []any:
			for _, x := range list {
				valid = append(valid, fmt.Sprint(x))
			}
		default:
			ck.skip(where, r, "arguments.validValues is not a list")
			return
		}
		if valid == nil {
			valid = []string{}
		}
	}
	if v, ok := r.Arguments["pattern"]; ok {
		pattern = fmt.Sprint(v)
	}
	if valid == nil && pattern == "" {
		ck.skip(where, r, "invalidValues needs arguments.validValues or arguments.pattern")
		return
	}
	var re *regexp.Regexp
	if pattern != "" {
		var err error
		if re, err = regexp.Compile(pattern); err != nil {
			ck.skip(where, r, fmt.Sprintf("pattern %q does not compile in Go's RE2 syntax: %v", pattern, err))
			return
		}
	}
	text := ck.texter(col)
	var accept func(string) bool
	if valid != nil {
		set := make(map[string]bool, len(valid))
		for _, s := range valid {
			set[s] = true
		}
		accept = func(s string) bool { return set[s] && (re == nil || re.MatchString(s)) }
	} else {
		accept = re.MatchString
	}
	// Judge each distinct value once for string columns.
	var rows []int
	if col.Kind.IsString() {
		okLevel := make([]bool, len(col.Levels))
		for i, s := range col.Levels {
			okLevel[i] = accept(s)
		}
		for i, code := range col.Codes {
			if code >= 0 && !okLevel[code] {
				rows = append(rows, i)
			}
		}
	} else {
		for i := 0; i < col.Len(); i++ {
			if !col.IsMissing(i) && !accept(text(i)) {
				rows = append(rows, i)
			}
		}
	}
	what := fmt.Sprintf("%s hold a value outside the contract's set", ck.ofRows(len(rows)))
	if valid == nil {
		what = fmt.Sprintf("%s do not match %q", ck.ofRows(len(rows)), pattern)
	} else if r.Name == "unseenCategories" || r.ID == "unseenCategories" {
		what = fmt.Sprintf("%s hold categories the model never saw", ck.ofRows(len(rows)))
	}
	ck.library(r, col.Name, "invalidValues", float64(len(rows)), ck.distinctExamples(rows, text), what)
}

// texter gives row i's value as text.
func (ck *checker) texter(col *features.Column) func(int) string {
	if col.Kind.IsString() {
		return func(i int) string { s, _ := col.Str(i); return s }
	}
	return func(i int) string { return exampleNumber(col.Num[i]) }
}

// exampleNumber writes an example value the way files write numbers:
// positional unless tiny or huge, so that the value can be found in the
// file (1002200 was listed as "1.0022e+06").
func exampleNumber(x float64) string {
	if a := math.Abs(x); a == 0 || (a >= 1e-4 && a < 1e21) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func (ck *checker) typeRule(p *Property, col *features.Column, r *Rule) {
	bad := ck.in.bad[col.Name]
	if bad == nil || len(bad.rows) == 0 {
		return
	}
	texts := map[int]string{}
	for j, i := range bad.rows {
		texts[i] = bad.texts[j]
	}
	want := "numbers"
	if col.Kind == features.Datetime {
		want = "ISO 8601 dates or times"
	}
	ck.rep.add(Violation{Column: col.Name, Rule: r.label(), Check: "type", Severity: r.severity(), Count: len(bad.rows),
		Observed: float64(len(bad.rows)), Limit: "every value of type " + p.LogicalType,
		Message:  fmt.Sprintf("%s hold values that are not %s (the model was trained on %s)", ck.ofRows(len(bad.rows)), want, want),
		Examples: ck.distinctExamples(bad.rows, func(i int) string { return texts[i] })})
}

func (ck *checker) rangeRule(where string, p *Property, col *features.Column, r *Rule) {
	lo, okLo := number(p.LogicalTypeOptions["minimum"])
	hi, okHi := number(p.LogicalTypeOptions["maximum"])
	if !okLo && !okHi || col.Kind != features.Numeric {
		ck.skip(where, r, "no numeric logicalTypeOptions minimum/maximum")
		return
	}
	if !okLo {
		lo = math.Inf(-1)
	}
	if !okHi {
		hi = math.Inf(1)
	}
	var rows []int
	for i, x := range col.Num {
		if x < lo || x > hi {
			rows = append(rows, i)
		}
	}
	maxPct := r.param(paramMaxPercent)
	pct := 0.0
	if ck.fr.Rows > 0 {
		pct = 100 * float64(len(rows)) / float64(ck.fr.Rows)
	}
	if len(rows) == 0 || pct <= maxPct {
		return
	}
	noise := ""
	if alpha := r.param(paramSignificance); alpha > 0 {
		p := binomialTail(len(rows), ck.fr.Rows, maxPct/100)
		if p >= alpha {
			return // above the limit, but no more than sampling noise explains
		}
		noise = fmt.Sprintf(", beyond sampling noise (p = %.2g)", p)
	}
	ck.rep.add(Violation{Column: col.Name, Rule: r.label(), Check: "range", Severity: r.severity(), Count: len(rows),
		Observed: pct, Limit: fmt.Sprintf("at most %s%% of rows outside [%s, %s]", fmtNum(maxPct), fmtNum(lo), fmtNum(hi)),
		Message: fmt.Sprintf("%s (%s%%) lie outside the trained range [%s, %s]; at most %s%% may%s",
			ck.ofRows(len(rows)), fmtNum(pct), fmtNum(lo), fmtNum(hi), fmtNum(maxPct), noise),
		Examples: ck.firstExamples(rows, ck.texter(col))})
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

func (ck *checker) psiRule(where string, p *Property, col *features.Column, r *Rule) {
	if ck.fr.Rows == 0 {
		return
	}
	var names []string
	var expected, actual []float64
	switch col.Kind {
	case features.Numeric:
		var b binSpec
		ok, err := custom(p.CustomProperties, propPSIBins, &b)
		if err == nil && ok {
			err = b.valid()
		}
		if !ok || err != nil {
			ck.skip(where, r, fmt.Sprintf("no usable customProperties %q (%v)", propPSIBins, err))
			return
		}
		counts, missing := binCounts(b.Edges, col.Num)
		for i, n := range counts {
			expected = append(expected, b.Shares[i])
			actual = append(actual, float64(n)/float64(ck.fr.Rows))
			names = append(names, binName(b.Edges, i))
		}
		expected = append(expected, b.MissingShare)
		actual = append(actual, float64(missing)/float64(ck.fr.Rows))
		names = append(names, "missing")
	case features.Categorical:
		var cats []category
		ok, err := custom(p.CustomProperties, propCategories, &cats)
		if !ok || err != nil {
			ck.skip(where, r, fmt.Sprintf("no usable customProperties %q (%v)", propCategories, err))
			return
		}
		var nullRate float64
		custom(p.CustomProperties, propNullRate, &nullRate)
		names, expected, actual = categoryBins(cats, nullRate, col, ck.fr.Rows)
	default:
		ck.skip(where, r, "the population stability index is computed for numeric and categorical columns")
		return
	}
	psi := PSI(expected, actual)
	maxPSI := r.param(paramMaxPSI)
	used := 0
	for i := range expected {
		if expected[i] > 0 || actual[i] > 0 {
			used++
		}
	}
	var trainRows int
	custom(ck.c.Object().CustomProperties, propRows, &trainRows)
	limit, why := maxPSI, ""
	if noise := psiNoise(used, ck.fr.Rows, trainRows); noise > maxPSI {
		limit = noise
		why = fmt.Sprintf(" (sampling noise with %d rows reaches %.3f at 99%%)", ck.fr.Rows, noise)
	}
	if psi <= limit {
		return
	}
	ck.rep.add(Violation{Column: col.Name, Rule: r.label(), Check: "psi", Severity: r.severity(),
		Observed: psi, Limit: "PSI at most " + fmtNum(limit),
		Message: fmt.Sprintf("the distribution shifted: population stability index %.3f > %s%s; largest moves: %s",
			psi, fmtNum(limit), why, largestMoves(names, expected, actual, 3))})
}

// categoryBins are the PSI bins of a categorical column: its most frequent
// training categories, all others together, and missing.
func categoryBins(cats []category, nullRate float64, col *features.Column, rows int) (names []string, expected, actual []float64) {
	top := slices.Clone(cats)
	sort.SliceStable(top, func(a, b int) bool { return top[a].Count > top[b].Count })
	// Bins for the categories that matter (at least psiMinShare of the
	// rows, at most psiTopCategories); a thin bin is noise.
	n := 0
	for n < len(top) && n < psiTopCategories && top[n].Share >= psiMinShare {
		n++
	}
	top = top[:n]
	index := make(map[string]int, len(top))
	sum := 0.0
	for j, c := range top {
		index[c.Value] = j
		names = append(names, fmt.Sprintf("%q", c.Value))
		expected = append(expected, c.Share)
		sum += c.Share
	}
	counts := make([]float64, len(top)+2) // + other, missing
	level := make([]int, len(col.Levels))
	for i, s := range col.Levels {
		if j, ok := index[s]; ok {
			level[i] = j
		} else {
			level[i] = len(top)
		}
	}
	for _, code := range col.Codes {
		if code < 0 {
			counts[len(top)+1]++
		} else {
			counts[level[code]]++
		}
	}
	names = append(names, "other categories", "missing")
	expected = append(expected, math.Max(0, 1-sum-nullRate), nullRate)
	for _, n := range counts {
		actual = append(actual, n/float64(rows))
	}
	return names, expected, actual
}

func binName(edges []float64, i int) string {
	switch {
	case len(edges) == 0:
		return "all values"
	case i == 0:
		return "≤ " + fmtNum(edges[0])
	case i == len(edges):
		return "> " + fmtNum(edges[len(edges)-1])
	}
	return fmt.Sprintf("(%s, %s]", fmtNum(edges[i-1]), fmtNum(edges[i]))
}

// largestMoves names the k bins contributing most to the PSI, with their
// training and current shares.
func largestMoves(names []string, expected, actual []float64, k int) string {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	contrib := func(i int) float64 { return psiTerm(expected[i], actual[i]) }
	sort.SliceStable(idx, func(a, b int) bool { return contrib(idx[a]) > contrib(idx[b]) })
	var parts []string
	for _, i := range idx[:min(k, len(idx))] {
		parts = append(parts, fmt.Sprintf("%s %.1f%% → %.1f%%", names[i], 100*expected[i], 100*actual[i]))
	}
	return strings.Join(parts, ", ")
}

// labelLeak: with the label column in the file, flag each contract column
// whose single-column AUC against it reaches minAUC (the profile's leak
// test, features.ProfileFrame).
func (ck *checker) labelLeak(r *Rule) {
	name, positive := ck.c.Target()
	lc := ck.fr.Col(name)
	if name == "" || lc == nil {
		return
	}
	t, why := labelOf(lc, positive)
	if t == nil {
		ck.skip("table", r, why)
		return
	}
	if t.Positives < minLeakClassRows || t.Negatives < minLeakClassRows {
		ck.skip("table", r, fmt.Sprintf("the label column %q has %d positive and %d negative rows; the leak test needs %d of each",
			name, t.Positives, t.Negatives, minLeakClassRows))
		return
	}
	sub := &features.Frame{Rows: ck.fr.Rows, Source: ck.fr.Source, Lines: ck.fr.Lines}
	for _, p := range ck.c.Object().Properties {
		if col := ck.fr.Col(p.Name); col != nil {
			sub.Columns = append(sub.Columns, col)
		}
	}
	sub, t = leakSample(sub, t, ck.opt.Seed)
	minAUC := r.param(paramMinAUC)
	prof := features.ProfileFrame(sub, t, ck.opt.Seed)
	for _, cp := range prof.Columns {
		if cp.AUC < minAUC {
			continue
		}
		sev := r.severity()
		msg := fmt.Sprintf("column %q alone predicts the label %q (single-column ROC AUC %.4f ≥ %s): the label may have leaked into it",
			cp.Name, name, cp.AUC, fmtNum(minAUC))
		var trained float64
		if p := ck.c.Property(cp.Name); p != nil {
			if ok, _ := custom(p.CustomProperties, propTrainingAUC, &trained); ok && trained >= minAUC && sev == SeverityError {
				sev = SeverityWarning
				msg += fmt.Sprintf("; it did in training too (AUC %.4f), so it is reported as a warning", trained)
			}
		}
		ck.rep.add(Violation{Column: cp.Name, Rule: r.label(), Check: "labelLeak", Severity: sev,
			Observed: cp.AUC, Limit: "single-column AUC below " + fmtNum(minAUC), Message: msg})
	}
}

// leakSampleClassRows caps the rows of each label class the leak test
// profiles: ProfileFrame describes every column in full, and an AUC near 1
// is plain on 10,000 rows a class.
const leakSampleClassRows = 10_000

// leakSample keeps at most leakSampleClassRows rows of each class, drawn
// with the seed. Sampling within classes leaves a column's ROC AUC
// unbiased: it only compares positives with negatives.
func leakSample(fr *features.Frame, t *features.Target, seed uint64) (*features.Frame, *features.Target) {
	if t.Positives <= leakSampleClassRows && t.Negatives <= leakSampleClassRows {
		return fr, t
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c65616b))
	var pos, neg []int
	for i, y := range t.Y {
		if y == 1 {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	draw := func(rows []int) []int {
		if len(rows) <= leakSampleClassRows {
			return rows
		}
		rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		return rows[:leakSampleClassRows]
	}
	idx := append(draw(pos), draw(neg)...)
	slices.Sort(idx)
	st := &features.Target{Name: t.Name, Positive: t.Positive, Y: make([]float64, len(idx))}
	for j, i := range idx {
		st.Y[j] = t.Y[i]
		if t.Y[i] == 1 {
			st.Positives++
		} else {
			st.Negatives++
		}
	}
	return fr.Take(idx), st
}

// labelOf reads the label column as the model was trained: positive is the
// positive class's text; a column loaded as numbers compares by value.
func labelOf(col *features.Column, positive string) (*features.Target, string) {
	t := &features.Target{Name: col.Name, Positive: positive, Y: make([]float64, col.Len())}
	posNum, posIsNum := features.ParseNumber(positive)
	for i := range t.Y {
		if col.IsMissing(i) {
			return nil, fmt.Sprintf("the label column %q has missing values (row %d)", col.Name, i+1)
		}
		var pos bool
		if col.Kind.IsString() {
			s, _ := col.Str(i)
			pos = s == positive
		} else {
			pos = posIsNum && col.Num[i] == posNum
		}
		if pos {
			t.Y[i] = 1
			t.Positives++
		} else {
			t.Negatives++
		}
	}
	return t, ""
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
