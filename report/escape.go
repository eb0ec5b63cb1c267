package report

import (
	"html"
	"strings"
)

// escHTML escapes text for HTML element content and attribute values.
func escHTML(s string) string { return html.EscapeString(s) }

// escMD makes untrusted text literal in a Jupyter markdown cell: HTML's
// special characters become entities (so no tag or script survives the
// renderer), every ASCII punctuation character markdown gives a meaning to
// is backslash-escaped (CommonMark §2.4), "$" too (Jupyter reads $…$ as
// LaTeX), and line breaks become spaces so the text stays in its
// paragraph or list item.
func escMD(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '~', '$', '"', '\'', ':', '=', '^', '%', '@', '/', ',', ';', '?':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pyStr is s as a Python string literal (JSON's escaping is valid Python
// for every string: \uXXXX and the short escapes).
func pyStr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029:
			b.WriteString(`\u`)
			const hex = "0123456789abcdef"
			b.WriteByte(hex[r>>12&0xf])
			b.WriteByte(hex[r>>8&0xf])
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
