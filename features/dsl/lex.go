package dsl

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQIdent // `quoted column name`
	tNumber
	tString
	tLParen
	tRParen
	tComma
	tSemi // ';'
	tNewline
	tAssign
	tPlus
	tMinus
	tStar
	tSlash
	tLBracket
	tRBracket
)

var tokNames = [...]string{"end of input", "name", "quoted name", "number", "string", "'('", "')'", "','", "';'", "end of line", "'='", "'+'", "'-'", "'*'", "'/'", "'['", "']'"}

type token struct {
	kind tokKind
	off  int
	end  int
	text string  // identifier name, quoted name, string value
	num  float64 // number value
}

// lexer turns source text into tokens; errors are reported through err.
type lexer struct {
	src string
	off int
}

func (lx *lexer) errAt(off int, msg, hint string) *Error {
	return &Error{Pos: posAt(lx.src, off), Msg: msg, Hint: hint, Err: ErrSyntax}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (lx *lexer) next() (token, *Error) {
	src := lx.src
	for lx.off < len(src) {
		c := src[lx.off]
		if c == ' ' || c == '\t' || c == '\r' {
			lx.off++
			continue
		}
		if c == '#' {
			for lx.off < len(src) && src[lx.off] != '\n' {
				lx.off++
			}
			continue
		}
		break
	}
	start := lx.off
	if start >= len(src) {
		return token{kind: tEOF, off: start, end: start}, nil
	}
	c := src[start]
	if k := punctuation(c); k != tEOF {
		lx.off++
		return token{kind: k, off: start, end: lx.off}, nil
	}
	switch {
	case c == '"':
		i := start + 1
		for i < len(src) && src[i] != '"' && src[i] != '\n' {
			if src[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(src) || src[i] != '"' {
			return token{}, lx.errAt(start, "unterminated string", `close it with " on the same line`)
		}
		s, err := strconv.Unquote(src[start : i+1])
		if err != nil {
			return token{}, lx.errAt(start, "invalid escape in string "+src[start:i+1], `use \" for a quote and \\ for a backslash`)
		}
		lx.off = i + 1
		return token{kind: tString, off: start, end: lx.off, text: s}, nil
	case c == '`':
		var b strings.Builder
		i := start + 1
		for {
			if i >= len(src) || src[i] == '\n' {
				return token{}, lx.errAt(start, "unterminated quoted column name", "close it with ` on the same line")
			}
			if src[i] == '`' {
				if i+1 < len(src) && src[i+1] == '`' {
					b.WriteByte('`')
					i += 2
					continue
				}
				break
			}
			b.WriteByte(src[i])
			i++
		}
		lx.off = i + 1
		if b.Len() == 0 {
			return token{}, lx.errAt(start, "empty quoted column name", "")
		}
		return token{kind: tQIdent, off: start, end: lx.off, text: b.String()}, nil
	case c >= '0' && c <= '9' || c == '.' && start+1 < len(src) && src[start+1] >= '0' && src[start+1] <= '9':
		i := start
		for i < len(src) && (src[i] >= '0' && src[i] <= '9' || src[i] == '.') {
			i++
		}
		if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
			j := i + 1
			if j < len(src) && (src[j] == '+' || src[j] == '-') {
				j++
			}
			if j < len(src) && src[j] >= '0' && src[j] <= '9' {
				for j < len(src) && src[j] >= '0' && src[j] <= '9' {
					j++
				}
				i = j
			}
		}
		if i < len(src) {
			if r, _ := utf8.DecodeRuneInString(src[i:]); isIdentStart(r) {
				return token{}, lx.errAt(start, "malformed number "+strconv.Quote(src[start:i+utf8.RuneLen(r)]), "put column names that start with a digit in backquotes, e.g. `1st`")
			}
		}
		v, err := strconv.ParseFloat(src[start:i], 64)
		if err != nil {
			return token{}, lx.errAt(start, "malformed number "+strconv.Quote(src[start:i]), "")
		}
		lx.off = i
		return token{kind: tNumber, off: start, end: i, num: v}, nil
	}
	r, size := utf8.DecodeRuneInString(src[start:])
	if isIdentStart(r) {
		i := start + size
		for i < len(src) {
			r, size := utf8.DecodeRuneInString(src[i:])
			if !isIdentPart(r) {
				break
			}
			i += size
		}
		lx.off = i
		return token{kind: tIdent, off: start, end: i, text: src[start:i]}, nil
	}
	if r == utf8.RuneError && size == 1 {
		return token{}, lx.errAt(start, "invalid UTF-8 byte", "")
	}
	return token{}, lx.errAt(start, "unexpected character "+strconv.QuoteRune(r), "quote column names with punctuation in backquotes, e.g. `amount ($)`")
}

// punctuation is the token of a one-byte symbol, or tEOF when c is none.
func punctuation(c byte) tokKind {
	switch c {
	case '(':
		return tLParen
	case ')':
		return tRParen
	case ',':
		return tComma
	case ';':
		return tSemi
	case '\n':
		return tNewline
	case '=':
		return tAssign
	case '+':
		return tPlus
	case '-':
		return tMinus
	case '*':
		return tStar
	case '/':
		return tSlash
	case '[':
		return tLBracket
	case ']':
		return tRBracket
	}
	return tEOF
}
