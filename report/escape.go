package report

import (
	"html"
	"strings"
)

// escHTML escapes text for HTML element content and attribute values.
func escHTML(s string) string { return html.EscapeString(s) }

// escMD makes untrusted text literal in a Jupyter markdown cell. HTML's
// special characters become entities (so no tag or script survives any
// renderer); the characters that can start markup in the middle of a line
// (CommonMark emphasis, code, links, GFM strikethrough) and "$" (Jupyter
// reads $…$ as LaTeX) are backslash-escaped, "#" too (a heading's closing
// sequence); "://" and "www." are broken with a backslash so that GFM does
// not turn a URL into a link. Line breaks become spaces, so the text never
// starts a line and the line-start markers (lists, headings, tables,
// rules) cannot apply. Nothing else is escaped: every escape is one more
// stray backslash in a renderer that handles fewer than CommonMark's
// (nbconvert's mistune shows "\:" as is).
func escMD(s string) string {
	s = strings.ReplaceAll(s, "\x00", "") // the marker below
	s = strings.NewReplacer("://", "\x00://", "www.", "www\x00.").Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 0:
			b.WriteByte('\\')
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		case '\\', '`', '*', '_', '[', ']', '~', '$', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// codeSpan is untrusted text as a CommonMark code span: literal in every
// renderer (no markup, no HTML, no entities), delimited by a backtick run
// longer than any inside it (CommonMark §6.1).
func codeSpan(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ", "\x00", "").Replace(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	return fence + s + fence
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
