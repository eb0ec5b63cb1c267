package contract

import (
	"fmt"
	"io"
	"strings"
)

// Report is everything Check found: every failed rule, not only the first.
type Report struct {
	Contract string `json:"contract"`
	File     string `json:"file"`
	Rows     int    `json:"rows"`
	// Violations in contract order: table rules, then each column's rules.
	Violations []Violation `json:"violations"`
	// Skipped names the rules of the contract that nightshift does not run
	// (another engine's, SQL, free text, unsupported metrics), and why.
	// Every list of the report is [] when empty and every other field is
	// present ("" or 0 when it does not apply), never absent, so that
	// consumers of check --json see one shape.
	Skipped []string `json:"skipped"`
	Errors  int      `json:"errors"`
	// Warnings counts the violations of severity warning or info.
	Warnings int `json:"warnings"`
}

// Violation is one failed rule.
type Violation struct {
	// Column is the column at fault; empty for a rule about the whole file.
	Column string `json:"column"`
	// Rule is the rule's name (or id); Check says what was measured:
	// missingColumn, extraColumn, type, nullValues, invalidValues, range,
	// psi, labelLeak, rowCount.
	Rule     string `json:"rule"`
	Check    string `json:"check"`
	Severity string `json:"severity"`
	// Count is the number of offending rows (0 when the rule is about the
	// column as a whole, as psi and a missing column are).
	Count int `json:"count"`
	// Observed is the measured value (a count, a percentage, the PSI or the
	// AUC) and Limit the rule it broke, in words.
	Observed float64   `json:"observed"`
	Limit    string    `json:"limit"`
	Message  string    `json:"message"`
	Examples []Example `json:"examples"`
}

// Example is one offending value and where it is: Line in the file (CSV;
// 0 when the input has no lines, as Parquet) and Row, the 1-based data row.
// Count, when not 0, is how many rows hold this value.
type Example struct {
	Value string `json:"value"`
	Line  int    `json:"line"`
	Row   int    `json:"row"`
	Count int    `json:"count"`
	// MoreLines are the next few lines (rows, without lines) holding the
	// same value, when Count > 1.
	MoreLines []int `json:"more_lines"`
}

// Failed reports whether a rule of severity error failed.
func (r *Report) Failed() bool { return r.Errors > 0 }

func (r *Report) add(v Violation) {
	if v.Examples == nil {
		v.Examples = []Example{}
	}
	for i := range v.Examples {
		if v.Examples[i].MoreLines == nil {
			v.Examples[i].MoreLines = []int{}
		}
	}
	r.Violations = append(r.Violations, v)
	if v.Severity == SeverityError {
		r.Errors++
	} else {
		r.Warnings++
	}
}

// Print writes the report for people: one block per violation with its
// examples, then a verdict line.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%s: %d rows checked against contract %s\n", r.File, r.Rows, r.Contract)
	for _, v := range r.Violations {
		where := v.Column
		if where == "" {
			where = "(table)"
		}
		fmt.Fprintf(w, "%-7s %s [%s]: %s\n", v.Severity, where, v.Rule, v.Message)
		for _, e := range v.Examples {
			at := fmt.Sprintf("row %d", e.Row)
			if e.Line > 0 {
				at = fmt.Sprintf("line %d", e.Line)
			}
			n := ""
			if e.Count > 1 {
				n = fmt.Sprintf(" (%d rows", e.Count)
				if len(e.MoreLines) > 0 {
					word := "line"
					if e.Line == 0 {
						word = "row"
					}
					if len(e.MoreLines) > 1 {
						word += "s"
					}
					more := make([]string, len(e.MoreLines))
					for i, l := range e.MoreLines {
						more[i] = fmt.Sprint(l)
					}
					n += fmt.Sprintf("; also %s %s", word, strings.Join(more, ", "))
					if e.Count > 1+len(e.MoreLines) {
						n += ", ..."
					}
				}
				n += ")"
			}
			fmt.Fprintf(w, "          %s: %s%s\n", at, quoteValue(e.Value), n)
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	switch {
	case r.Errors > 0:
		fmt.Fprintf(w, "FAILED: %d error(s), %d warning(s)\n", r.Errors, r.Warnings)
	case r.Warnings > 0:
		fmt.Fprintf(w, "passed with %d warning(s): no rule of severity error failed\n", r.Warnings)
	default:
		fmt.Fprintln(w, "passed: every rule holds")
	}
}

// quoteValue quotes a value for the text report, cut to 60 characters
// (whole runes).
func quoteValue(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

func joinQuoted(names []string, max int) string {
	q := make([]string, 0, len(names))
	for i, n := range names {
		if i == max {
			q = append(q, fmt.Sprintf("and %d more", len(names)-max))
			break
		}
		q = append(q, fmt.Sprintf("%q", n))
	}
	return strings.Join(q, ", ")
}
