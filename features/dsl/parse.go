package dsl

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
)

// maxDepth bounds expression nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// maxSource bounds the spec's length (1 MiB is far beyond any real feature set).
const maxSource = 1 << 20

// Parse reads a feature set: items separated by ';' or new lines (none at
// all is the base columns as they are), each
// either "name = expr" or a bare expression (named by its canonical text),
// or drop(col). '#' starts a comment. Column names that are not plain
// identifiers are written in backquotes: `amount ($)`. Calls are bound to the
// op registry (unknown ops and parameters are errors here, with a
// did-you-mean hint); column existence and kinds are checked by Check.
func Parse(src string) (*Spec, error) {
	if len(src) > maxSource {
		return nil, &Error{Pos: posAt(src, 0), Msg: fmt.Sprintf("spec is %d bytes, over the %d-byte limit", len(src), maxSource), Err: ErrSyntax}
	}
	p := &parser{lx: lexer{src: src}, ops: opIndex()}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var items []*Item
	for {
		for p.tok.kind == tSemi || p.tok.kind == tNewline {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if p.tok.kind == tEOF {
			break
		}
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		switch p.tok.kind {
		case tSemi, tNewline, tEOF:
		default:
			return nil, p.errHere(fmt.Sprintf("unexpected %s after an item", p.describe()), "separate items with ';' or a new line")
		}
	}
	return &Spec{Items: sortItems(items), Source: src}, nil
}

// MustParse is Parse for specs known to be valid (tests, examples); it
// panics on error, so never call it on user input.
func MustParse(src string) *Spec {
	s, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return s
}

type parser struct {
	lx    lexer
	tok   token
	ops   map[string]*OpInfo
	depth int // nesting of parentheses; new lines inside them are spaces
	nest  int // expression recursion depth
}

func (p *parser) advance() error {
	for {
		t, err := p.lx.next()
		if err != nil {
			return err
		}
		p.tok = t
		if t.kind == tNewline && p.depth > 0 {
			continue
		}
		return nil
	}
}

// skipNewlines lets an expression continue on the next line after an operator.
func (p *parser) skipNewlines() error {
	for p.tok.kind == tNewline {
		if err := p.advance(); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) describe() string {
	switch p.tok.kind {
	case tIdent:
		return "name " + strconv.Quote(p.tok.text)
	case tQIdent:
		return "quoted name " + quoteName(p.tok.text)
	case tNumber:
		return "number " + p.lx.src[p.tok.off:p.tok.end]
	case tString:
		return "string " + strconv.Quote(p.tok.text)
	}
	return tokNames[p.tok.kind]
}

func (p *parser) errAt(off int, msg, hint string) *Error {
	return &Error{Pos: posAt(p.lx.src, off), Msg: msg, Hint: hint, Err: ErrSyntax}
}

func (p *parser) errHere(msg, hint string) *Error { return p.errAt(p.tok.off, msg, hint) }

func (p *parser) item() (*Item, error) {
	start := p.tok.off
	it := &Item{Off: start}
	if p.tok.kind == tIdent || p.tok.kind == tQIdent {
		// Look ahead for "name =" without consuming: lex one token from a copy.
		la := p.lx
		nt, err := la.next()
		for err == nil && nt.kind == tNewline {
			nt, err = la.next()
		}
		if err == nil && nt.kind == tAssign {
			it.Name, it.Explicit, it.NameOff = p.tok.text, true, p.tok.off
			p.lx = la
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.skipNewlines(); err != nil {
				return nil, err
			}
		}
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if c, ok := e.(*Call); ok && c.Name == "drop" {
		if it.Explicit {
			return nil, p.errAt(it.NameOff, "drop(...) cannot be given a name", "write drop(col) on its own")
		}
		it.Drop = c.Args[0].(*Column).Name
		return it, nil
	}
	switch e.(type) {
	case *Number, *String:
		return nil, p.errAt(e.Offset(), "an item cannot be a constant", "write an expression over columns, e.g. log1p(amount)")
	case *List:
		return nil, p.errAt(e.Offset(), "an item cannot be a list", "a total over columns is sum(a, b, c); lists [...] are only wsum's weights=")
	}
	if off := findDrop(e); off >= 0 {
		return nil, p.errAt(off, "drop(...) is only allowed as a whole item", "write it as its own item: drop(col)")
	}
	it.Expr = e
	if !it.Explicit {
		it.Name = canonString(e)
	}
	return it, nil
}

func (p *parser) enter() error {
	p.nest++
	if p.nest > maxDepth {
		return p.errHere(fmt.Sprintf("expression nested deeper than %d levels", maxDepth), "split it into named items")
	}
	return nil
}

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.nest-- }()
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tPlus || p.tok.kind == tMinus {
		op, off := byte('+'), p.tok.off
		if p.tok.kind == tMinus {
			op = '-'
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.skipNewlines(); err != nil {
			return nil, err
		}
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		l = makeBinary(off, op, l, r)
	}
	return l, nil
}

func (p *parser) term() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tStar || p.tok.kind == tSlash {
		op, off := byte('*'), p.tok.off
		if p.tok.kind == tSlash {
			op = '/'
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.skipNewlines(); err != nil {
			return nil, err
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = makeBinary(off, op, l, r)
	}
	return l, nil
}

// findDrop returns the offset of a drop call inside e, or -1.
func findDrop(e Expr) int {
	switch e := e.(type) {
	case *Call:
		if e.Name == "drop" {
			return e.Off
		}
		for _, a := range e.Args {
			if a != nil {
				if off := findDrop(a); off >= 0 {
					return off
				}
			}
		}
	case *Binary:
		if off := findDrop(e.L); off >= 0 {
			return off
		}
		return findDrop(e.R)
	case *Neg:
		return findDrop(e.X)
	case *List:
		for _, x := range e.Items {
			if off := findDrop(x); off >= 0 {
				return off
			}
		}
	}
	return -1
}

// makeBinary orders the operands of + and * canonically (both are exactly
// commutative in IEEE arithmetic, so the output does not change).
func makeBinary(off int, op byte, l, r Expr) Expr {
	if (op == '+' || op == '*') && canonString(l) > canonString(r) {
		l, r = r, l
	}
	return &Binary{Off: off, Op: op, L: l, R: r}
}

func (p *parser) unary() (Expr, error) {
	if p.tok.kind == tMinus {
		off := p.tok.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		p.nest--
		if err != nil {
			return nil, err
		}
		if n, ok := x.(*Number); ok {
			return &Number{Off: off, Value: -n.Value}, nil
		}
		return &Neg{Off: off, X: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Expr, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		if math.IsInf(t.num, 0) {
			return nil, p.errHere("number "+p.lx.src[t.off:t.end]+" is out of range", "")
		}
		return &Number{Off: t.off, Value: t.num}, p.advance()
	case tString:
		return &String{Off: t.off, Value: t.text}, p.advance()
	case tQIdent:
		return &Column{Off: t.off, Name: t.text}, p.advance()
	case tIdent:
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tLParen {
			return p.call(t)
		}
		return &Column{Off: t.off, Name: t.text}, nil
	case tLParen:
		p.depth++
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errHere(fmt.Sprintf("expected ')' but found %s", p.describe()), fmt.Sprintf("close the '(' opened at %s", posAt(p.lx.src, t.off)))
		}
		p.depth--
		return e, p.advance()
	case tLBracket:
		return p.list(t)
	}
	return nil, p.errHere(fmt.Sprintf("expected a column, number, string or call but found %s", p.describe()), "")
}

// list reads "[item, ...]" after its opening bracket open.
func (p *parser) list(open token) (Expr, error) {
	p.depth++
	if err := p.advance(); err != nil {
		return nil, err
	}
	l := &List{Off: open.off}
	for p.tok.kind != tRBracket {
		if len(l.Items) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errHere(fmt.Sprintf("expected ',' or ']' in a list but found %s", p.describe()), fmt.Sprintf("close the '[' opened at %s", posAt(p.lx.src, open.off)))
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, e)
	}
	p.depth--
	return l, p.advance()
}

type rawArg struct {
	name    string
	nameOff int
	val     Expr
}

func (p *parser) call(name token) (Expr, error) {
	open := p.tok.off
	p.depth++
	if err := p.advance(); err != nil {
		return nil, err
	}
	var args []rawArg
	for p.tok.kind != tRParen {
		if len(args) > 0 {
			if p.tok.kind != tComma {
				return nil, p.errHere(fmt.Sprintf("expected ',' or ')' in the arguments of %s but found %s", name.text, p.describe()), fmt.Sprintf("the call opened at %s", posAt(p.lx.src, open)))
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		a := rawArg{}
		if p.tok.kind == tIdent {
			la := p.lx
			nt, err := la.next()
			for err == nil && nt.kind == tNewline {
				nt, err = la.next()
			}
			if err == nil && nt.kind == tAssign {
				a.name, a.nameOff = p.tok.text, p.tok.off
				p.lx = la
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		a.val = v
		args = append(args, a)
	}
	p.depth--
	if err := p.advance(); err != nil {
		return nil, err
	}
	return p.bind(name, args)
}

// bind matches arguments to the op's parameters, checks literals and fills
// defaults.
func (p *parser) bind(name token, args []rawArg) (Expr, error) {
	op := p.ops[name.text]
	if op == nil {
		return nil, p.unknownOp(name)
	}
	if op.Name == "drop" && p.nest > 1 {
		return nil, p.errAt(name.off, "drop(...) is only allowed as a whole item", "write it as its own item: drop(col)")
	}
	bound := make([]Expr, len(op.Params))
	set := make([]bool, len(op.Params))
	seenNamed := false
	var rest []Expr // the variadic parameter's arguments
	for i, a := range args {
		k, err := p.argSlot(op, i, a, seenNamed, set)
		if err != nil {
			return nil, err
		}
		seenNamed = seenNamed || a.name != ""
		v, err := p.checkLiteral(op, op.Params[k], a.val)
		if err != nil {
			return nil, err
		}
		if op.Params[k].Variadic {
			rest = append(rest, v)
			continue
		}
		bound[k], set[k] = v, true
	}
	if op.variadic() {
		if err := p.bindVariadic(name, op, rest, bound, set); err != nil {
			return nil, err
		}
	}
	if err := p.fillDefaults(name, op, bound, set); err != nil {
		return nil, err
	}
	switch {
	case op.Commutative && op.variadic():
		sortVariadic(op, bound)
	case op.Commutative && canonString(bound[0]) > canonString(bound[1]):
		bound[0], bound[1] = bound[1], bound[0]
	}
	return &Call{Off: name.off, Name: op.Name, Args: bound, op: op}, nil
}

// unknownOp is the error for a call of an op that does not exist, with the
// nearest op's name as a hint.
func (p *parser) unknownOp(name token) error {
	names := make([]string, 0, len(p.ops))
	for n := range p.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	hint := "see the op reference"
	if s := didYouMean(name.text, names); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	return &Error{Pos: posAt(p.lx.src, name.off), Msg: fmt.Sprintf("unknown op %q", name.text), Hint: hint, Err: ErrUnknownOp}
}

// argSlot is the index of the parameter that argument i, a, goes to:
// positional arguments in order (all to the variadic parameter if op has
// one), then named ones. set marks the parameters already given.
func (p *parser) argSlot(op *OpInfo, i int, a rawArg, seenNamed bool, set []bool) (int, error) {
	if a.name != "" {
		return p.namedSlot(op, a, set)
	}
	if seenNamed {
		return 0, &Error{Pos: posAt(p.lx.src, a.val.Offset()), Msg: fmt.Sprintf("positional argument after a named one in %s", op.Name), Hint: "put positional arguments first", Err: ErrArgument}
	}
	switch {
	case op.variadic():
		return 0, nil
	case i >= len(op.Params):
		return 0, &Error{Pos: posAt(p.lx.src, a.val.Offset()), Msg: fmt.Sprintf("too many arguments to %s", op.Name), Hint: "signature: " + op.Signature(), Err: ErrArgument}
	}
	return i, nil
}

// namedSlot is the index of the parameter named by a; the name must exist,
// not be the variadic parameter's and not be given twice.
func (p *parser) namedSlot(op *OpInfo, a rawArg, set []bool) (int, error) {
	k := -1
	for j, prm := range op.Params {
		if prm.Name == a.name {
			k = j
		}
	}
	if k < 0 {
		pn := make([]string, len(op.Params))
		for j, prm := range op.Params {
			pn[j] = prm.Name
		}
		hint := "signature: " + op.Signature()
		if s := didYouMean(a.name, pn); s != "" {
			hint = fmt.Sprintf("did you mean %q? signature: %s", s, op.Signature())
		}
		return 0, &Error{Pos: posAt(p.lx.src, a.nameOff), Msg: fmt.Sprintf("%s has no parameter %q", op.Name, a.name), Hint: hint, Err: ErrArgument}
	}
	if op.Params[k].Variadic {
		return 0, &Error{Pos: posAt(p.lx.src, a.nameOff), Msg: fmt.Sprintf("the %s arguments of %s are written without a name", a.name, op.Name), Hint: fmt.Sprintf("write %s(a, b, c) (signature: %s)", op.Name, op.Signature()), Err: ErrArgument}
	}
	if set[k] {
		return 0, &Error{Pos: posAt(p.lx.src, a.nameOff), Msg: fmt.Sprintf("parameter %q of %s given twice", a.name, op.Name), Err: ErrArgument}
	}
	return k, nil
}

// fillDefaults gives every parameter not set its default; a required one
// without a value is an error.
func (p *parser) fillDefaults(name token, op *OpInfo, bound []Expr, set []bool) error {
	for k, prm := range op.Params {
		if set[k] {
			continue
		}
		if prm.Required && !prm.Optional {
			return &Error{Pos: posAt(p.lx.src, name.off), Msg: fmt.Sprintf("%s is missing its argument %q (%s)", op.Name, prm.Name, prm.Type), Hint: "signature: " + op.Signature(), Err: ErrArgument}
		}
		bound[k] = defaultLiteral(prm, name.off)
	}
	return nil
}

// bindVariadic gathers the arguments of op's variadic first parameter into
// a List in bound[0] and checks their count, against the bounds and against
// the length of every list parameter (one weight per argument).
func (p *parser) bindVariadic(name token, op *OpInfo, rest []Expr, bound []Expr, set []bool) error {
	prm := op.Params[0]
	if len(rest) < MinVariadic {
		return &Error{Pos: posAt(p.lx.src, name.off), Msg: fmt.Sprintf("%s needs at least %d %s arguments, got %d", op.Name, MinVariadic, prm.Type, len(rest)), Hint: fmt.Sprintf("of one argument it is the argument itself; signature: %s", op.Signature()), Err: ErrArgument}
	}
	if len(rest) > MaxVariadic {
		return &Error{Pos: posAt(p.lx.src, rest[MaxVariadic].Offset()), Msg: fmt.Sprintf("%s takes at most %d arguments, got %d", op.Name, MaxVariadic, len(rest)), Hint: fmt.Sprintf("nest them: %s(%s(...), %s(...)), each inner call with at most %d", op.Name, op.Name, op.Name, MaxVariadic), Err: ErrArgument}
	}
	bound[0], set[0] = &List{Off: rest[0].Offset(), Items: rest}, true
	for k, q := range op.Params {
		if q.Type != ArgNumberList || bound[k] == nil {
			continue
		}
		if w := bound[k].(*List); len(w.Items) != len(rest) {
			return &Error{Pos: posAt(p.lx.src, w.Off), Msg: fmt.Sprintf("%s has %d %s for %d arguments", op.Name, len(w.Items), q.Name, len(rest)), Hint: fmt.Sprintf("give one number per argument, in the order the arguments are written: %s(a, b, %s=[1, 0.5])", op.Name, q.Name), Err: ErrArgument}
		}
	}
	return nil
}

// sortVariadic puts the arguments of a commutative variadic op in canonical
// order (by their text; equal texts by their weights), permuting every list
// parameter the same way so each argument keeps its weight.
func sortVariadic(op *OpInfo, bound []Expr) {
	args := bound[0].(*List).Items
	var lists [][]Expr
	for k, q := range op.Params {
		if q.Type == ArgNumberList && bound[k] != nil {
			lists = append(lists, bound[k].(*List).Items)
		}
	}
	keys := make([]string, len(args))
	for i, a := range args {
		keys[i] = canonString(a)
	}
	perm := make([]int, len(args))
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool {
		i, j := perm[a], perm[b]
		if keys[i] != keys[j] {
			return keys[i] < keys[j]
		}
		for _, l := range lists {
			if x, y := l[i].(*Number).Value, l[j].(*Number).Value; x != y {
				return x < y
			}
		}
		return false
	})
	reorder := func(items []Expr) {
		tmp := make([]Expr, len(items))
		for to, from := range perm {
			tmp[to] = items[from]
		}
		copy(items, tmp)
	}
	reorder(args)
	for _, l := range lists {
		reorder(l)
	}
}

func defaultLiteral(prm Param, off int) Expr {
	switch {
	case prm.Default == "":
		return nil
	case prm.Type == ArgString || prm.Type == ArgDuration || prm.Type == ArgRegexp:
		s, _ := strconv.Unquote(prm.Default)
		return &String{Off: off, Value: s}
	default:
		v, _ := strconv.ParseFloat(prm.Default, 64)
		return &Number{Off: off, Value: v}
	}
}

// checkLiteral validates arguments of literal parameters (and the shape of
// column-name parameters) and normalises durations.
func (p *parser) checkLiteral(op *OpInfo, prm Param, v Expr) (Expr, error) {
	switch prm.Type {
	case ArgInt, ArgFloat:
		return p.checkNumberLiteral(op, prm, v)
	case ArgString, ArgRegexp, ArgDuration:
		return p.checkStringLiteral(op, prm, v)
	case ArgNumberList:
		return p.checkNumberList(op, prm, v)
	case ArgColumn, ArgTime:
		if _, ok := v.(*Column); !ok {
			return p.badLiteral(op, prm, v, fmt.Sprintf("want a column name, got %s", canonString(v)), "")
		}
		return v, nil
	default:
		return p.checkExprArgument(op, prm, v)
	}
}

// argWhere names op's parameter prm in an error: "op(prm=...)".
func argWhere(op *OpInfo, prm Param) string {
	return fmt.Sprintf("%s(%s=...)", op.Name, prm.Name)
}

// badLiteral is the error for v, the argument of op's parameter prm.
func (p *parser) badLiteral(op *OpInfo, prm Param, v Expr, msg, hint string) (Expr, error) {
	return nil, &Error{Pos: posAt(p.lx.src, v.Offset()), Msg: argWhere(op, prm) + ": " + msg, Hint: hint, Err: ErrArgument}
}

// checkNumberLiteral wants a number, whole for an integer parameter, in the
// parameter's range.
func (p *parser) checkNumberLiteral(op *OpInfo, prm Param, v Expr) (Expr, error) {
	n, ok := v.(*Number)
	if !ok {
		return p.badLiteral(op, prm, v, fmt.Sprintf("want a number literal, got %s", canonString(v)), "")
	}
	if prm.Type == ArgInt && n.Value != math.Trunc(n.Value) {
		return p.badLiteral(op, prm, v, fmt.Sprintf("want an integer, got %s", formatNumber(n.Value)), "")
	}
	if n.Value < prm.Min || n.Value > prm.Max {
		return p.badLiteral(op, prm, v, fmt.Sprintf("%s is outside the allowed range [%s, %s]", formatNumber(n.Value), formatNumber(prm.Min), formatNumber(prm.Max)), "")
	}
	return n, nil
}

// checkStringLiteral wants a quoted string: not empty, a RE2 regexp that
// cannot match the empty string, or a duration (normalised; empty is none).
func (p *parser) checkStringLiteral(op *OpInfo, prm Param, v Expr) (Expr, error) {
	s, ok := v.(*String)
	if !ok {
		return p.badLiteral(op, prm, v, fmt.Sprintf("want a quoted string, got %s", canonString(v)), `write it in double quotes, e.g. "..."`)
	}
	switch prm.Type {
	case ArgString:
		if s.Value == "" {
			return p.badLiteral(op, prm, v, "empty string", "")
		}
	case ArgRegexp:
		re, err := regexp.Compile(s.Value)
		if err != nil {
			return p.badLiteral(op, prm, v, "invalid RE2 regexp: "+err.Error(), "RE2 has no lookaround or backreferences")
		}
		if re.MatchString("") {
			return p.badLiteral(op, prm, v, fmt.Sprintf("regexp %q matches the empty string, so counts would be meaningless", s.Value), "require at least one character, e.g. use + instead of *")
		}
	case ArgDuration:
		if s.Value == "" {
			return s, nil
		}
		secs, err := parseDuration(s.Value)
		if err != nil {
			return p.badLiteral(op, prm, v, err.Error(), `write e.g. "30s", "15m", "1h", "7d", "2w" or "1h30m"`)
		}
		return &String{Off: s.Off, Value: formatDuration(secs)}, nil
	}
	return s, nil
}

// checkNumberList wants a non-empty list of numbers, each in the
// parameter's range; an item at fault is named at its own position.
func (p *parser) checkNumberList(op *OpInfo, prm Param, v Expr) (Expr, error) {
	l, ok := v.(*List)
	if !ok {
		return p.badLiteral(op, prm, v, fmt.Sprintf("want a list of numbers, got %s", canonString(v)), "write it in brackets, e.g. [1, 0.5, 2]")
	}
	if len(l.Items) == 0 {
		return p.badLiteral(op, prm, v, "empty list", "give one number per argument, e.g. [1, 0.5]")
	}
	for _, x := range l.Items {
		n, ok := x.(*Number)
		if !ok {
			return nil, &Error{Pos: posAt(p.lx.src, x.Offset()), Msg: fmt.Sprintf("%s: want a number, got %s", argWhere(op, prm), canonString(x)), Hint: "the list holds number literals only; put expressions among the arguments", Err: ErrArgument}
		}
		if n.Value < prm.Min || n.Value > prm.Max {
			return nil, &Error{Pos: posAt(p.lx.src, x.Offset()), Msg: fmt.Sprintf("%s: %s is outside the allowed range [%s, %s]", argWhere(op, prm), formatNumber(n.Value), formatNumber(prm.Min), formatNumber(prm.Max)), Err: ErrArgument}
		}
	}
	return l, nil
}

// checkExprArgument refuses, for an expression parameter, the literals that
// are not expressions (a string, a list) and drop(...).
func (p *parser) checkExprArgument(op *OpInfo, prm Param, v Expr) (Expr, error) {
	if s, ok := v.(*String); ok {
		return p.badLiteral(op, prm, v, fmt.Sprintf("want a %s expression, got the string %q", prm.Type, s.Value), "column names are written bare or in backquotes, not in double quotes")
	}
	if c, ok := v.(*Call); ok && c.Name == "drop" {
		return p.badLiteral(op, prm, v, "drop(...) cannot be an argument", "")
	}
	if _, ok := v.(*List); ok {
		hint := "lists [...] are only the value of a list parameter (wsum's weights=)"
		if prm.Variadic {
			hint = fmt.Sprintf("write the arguments without brackets: %s(a, b, c)", op.Name)
		}
		return p.badLiteral(op, prm, v, fmt.Sprintf("want a %s expression, got a list", prm.Type), hint)
	}
	return v, nil
}

var durationUnits = []struct {
	suffix string
	secs   int64
}{{"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}}

// parseDuration reads "1h30m", "7d", "90s" into seconds.
func parseDuration(s string) (int64, error) {
	var total int64
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 || i == len(rest) {
			return 0, fmt.Errorf("malformed duration %q", s)
		}
		n, _ := strconv.ParseInt(rest[:i], 10, 64)
		u := rest[i : i+1]
		found := false
		for _, du := range durationUnits {
			if du.suffix == u {
				total += n * du.secs
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown unit %q in duration %q", u, s)
		}
		if total > 100*365*86400 {
			return 0, fmt.Errorf("duration %q is longer than 100 years", s)
		}
		rest = rest[i+1:]
	}
	if total == 0 {
		return 0, fmt.Errorf("duration %q is zero", s)
	}
	return total, nil
}

// formatDuration writes seconds in the largest unit that divides them.
func formatDuration(secs int64) string {
	for _, du := range durationUnits {
		if secs%du.secs == 0 {
			return strconv.FormatInt(secs/du.secs, 10) + du.suffix
		}
	}
	return strconv.FormatInt(secs, 10) + "s"
}

// durationSeconds is the seconds of a normalised duration literal ("" = 0 = unbounded).
func durationSeconds(s string) float64 {
	if s == "" {
		return 0
	}
	n, err := parseDuration(s)
	if err != nil {
		return 0
	}
	return float64(n)
}
