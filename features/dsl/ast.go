package dsl

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Expr is a node of a parsed expression. The concrete types are *Column,
// *Number, *String, *List, *Call, *Binary and *Neg.
type Expr interface {
	// Offset is the byte offset of the node in the spec's source.
	Offset() int
	canon(b *strings.Builder)
}

// Column references a base column by name.
type Column struct {
	Off  int
	Name string
}

// Number is a numeric literal.
type Number struct {
	Off   int
	Value float64
}

// String is a string literal (also used for durations and regexps).
type String struct {
	Off   int
	Value string
}

// List is a bracketed list "[1, 0.5]" (a list parameter's value, such as
// wsum's weights), or the arguments of a variadic parameter, which Parse
// gathers into a List whose Off is the first argument's.
type List struct {
	Off   int
	Items []Expr
}

// Call applies an op. After Parse, Args is bound to the op's parameters in
// declaration order (len(Args) == len(op.Params)); an absent optional
// argument is its default literal, or nil when the parameter has none; a
// variadic parameter's arguments are one *List.
type Call struct {
	Off  int
	Name string
	Args []Expr
	op   *OpInfo
}

// Binary is arithmetic: Op is one of + - * /. Division by zero is missing.
type Binary struct {
	Off  int
	Op   byte
	L, R Expr
}

// Neg is unary minus.
type Neg struct {
	Off int
	X   Expr
}

func (e *Column) Offset() int { return e.Off }
func (e *Number) Offset() int { return e.Off }
func (e *String) Offset() int { return e.Off }
func (e *List) Offset() int   { return e.Off }
func (e *Call) Offset() int   { return e.Off }
func (e *Binary) Offset() int { return e.Off }
func (e *Neg) Offset() int    { return e.Off }

func (e *Column) canon(b *strings.Builder) { b.WriteString(quoteName(e.Name)) }
func (e *Number) canon(b *strings.Builder) { b.WriteString(formatNumber(e.Value)) }
func (e *String) canon(b *strings.Builder) { b.WriteString(strconv.Quote(e.Value)) }
func (e *List) canon(b *strings.Builder) {
	b.WriteString("[")
	e.items(b)
	b.WriteString("]")
}

// items writes the list's items separated by ", ".
func (e *List) items(b *strings.Builder) {
	for i, x := range e.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		x.canon(b)
	}
}

func (e *Neg) canon(b *strings.Builder) {
	b.WriteString("-")
	if _, ok := e.X.(*Binary); ok {
		b.WriteString("(")
		e.X.canon(b)
		b.WriteString(")")
		return
	}
	e.X.canon(b)
}

func (e *Binary) canon(b *strings.Builder) {
	// Fully parenthesise nested binaries: canonical text is for identity,
	// and explicit grouping keeps it unambiguous without precedence rules.
	side := func(x Expr) {
		if _, ok := x.(*Binary); ok {
			b.WriteString("(")
			x.canon(b)
			b.WriteString(")")
			return
		}
		x.canon(b)
	}
	side(e.L)
	b.WriteString(" ")
	b.WriteByte(e.Op)
	b.WriteString(" ")
	side(e.R)
}

func (e *Call) canon(b *strings.Builder) {
	b.WriteString(e.Name)
	b.WriteString("(")
	first := true
	variadic := false
	for i, a := range e.Args {
		p := e.op.Params[i]
		if a == nil {
			continue
		}
		// parameters after a variadic one can only be given by name
		named := !p.Required || variadic
		if named && p.Default != "" && canonString(a) == p.Default {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		if p.Variadic {
			variadic = true
			a.(*List).items(b)
			continue
		}
		if named {
			b.WriteString(p.Name)
			b.WriteString("=")
		}
		a.canon(b)
	}
	b.WriteString(")")
}

func canonString(e Expr) string {
	var b strings.Builder
	e.canon(&b)
	return b.String()
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// quoteName writes a column or item name bare when it lexes as one
// identifier, else in backquotes (a backquote inside is doubled).
func quoteName(s string) string {
	bare := s != ""
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || i > 0 && !isIdentPart(r) || r == utf8.RuneError {
			bare = false
			break
		}
	}
	if bare {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// Item is one entry of a feature set: an expression that becomes an output
// column called Name, or a drop of a base column.
type Item struct {
	Off      int
	Name     string // output name: explicit, or the canonical expression text
	Explicit bool   // Name was written as "name = expr"
	NameOff  int
	Expr     Expr
	Drop     string // for drop(col): the column dropped; Expr is nil
}

// Canonical is the item's normalised text.
func (it *Item) Canonical() string {
	if it.Drop != "" {
		return "drop(" + quoteName(it.Drop) + ")"
	}
	e := canonString(it.Expr)
	if it.Explicit && it.Name != e {
		return quoteName(it.Name) + " = " + e
	}
	return e
}

// Spec is a parsed, bound feature set. Items are in canonical order (sorted
// by canonical text, duplicates removed), so two specs that mean the same
// thing have the same Items and the same Canonical text.
type Spec struct {
	Items  []*Item
	Source string // the text as written (positions refer to it)
}

// Canonical is the normalised text: items sorted and deduplicated, joined by
// "; ", canonical spacing, arguments in declared order, optional arguments
// named and omitted when equal to their defaults, operands of commutative ops
// sorted, durations normalised ("60m" → "1h").
func (s *Spec) Canonical() string {
	parts := make([]string, len(s.Items))
	for i, it := range s.Items {
		parts[i] = it.Canonical()
	}
	return strings.Join(parts, "; ")
}

// hashDomain versions the identity: change it when canonical text changes meaning.
const hashDomain = "nightshift/features/v1\n"

// Hash is the hex SHA-256 of the canonical text: the spec's stable identity.
func (s *Spec) Hash() string {
	sum := sha256.Sum256([]byte(hashDomain + s.Canonical()))
	return hex.EncodeToString(sum[:])
}

// sortItems puts items in canonical order and drops exact duplicates.
func sortItems(items []*Item) []*Item {
	keys := make(map[*Item]string, len(items))
	for _, it := range items {
		keys[it] = it.Canonical()
	}
	sort.SliceStable(items, func(i, j int) bool { return keys[items[i]] < keys[items[j]] })
	out := items[:0]
	for i, it := range items {
		if i > 0 && keys[it] == keys[items[i-1]] {
			continue
		}
		out = append(out, it)
	}
	return out
}
