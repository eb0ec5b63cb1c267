package report

import (
	"strings"
)

// Doc is a report before rendering: cells in reading order.
type Doc struct {
	Title string
	Cells []Cell
}

// Cell is a markdown cell (Blocks) or a code cell (Code, with the outputs
// it produces, pre-rendered).
type Cell struct {
	Blocks  []Block
	Code    string
	Outputs []Output
	// Check names the data a code cell's application/json output carries
	// ("leaderboard", "history", "holdout"), for the test that runs the
	// notebook and compares what Python recomputed with what was
	// pre-rendered.
	Check string
}

// Block is one piece of a markdown cell.
type Block struct {
	Kind  blockKind
	Level int        // heading level
	Text  []Inline   // heading, paragraph, note
	Items [][]Inline // list
	ID    string     // heading anchor
}

type blockKind int

const (
	blockHeading blockKind = iota
	blockPara
	blockList
	blockWarn // a warning paragraph, set apart
	blockPre  // preformatted text (Text[0]), shown verbatim
)

// Inline is a run of text: plain, code or strong. Its text is always
// escaped by the renderer.
type Inline struct {
	Text string
	Code bool
	Bold bool
}

// Output is one pre-rendered output of a code cell: a table, a PNG figure
// or the JSON data a check compares.
type Output struct {
	Table *Table
	PNG   []byte
	Alt   string // the figure's description (text/plain, alt text)
	JSON  any    // with Table or PNG: the data behind it (application/json)
}

// Table is an HTML table of untrusted cells.
type Table struct {
	Header []string
	Rows   [][]string
	Right  []bool // right-aligned columns (numbers)
	Mark   []bool // highlighted rows (the pick)
}

func h(level int, id, text string) Block {
	return Block{Kind: blockHeading, Level: level, ID: id, Text: []Inline{{Text: text}}}
}
func para(in ...Inline) Block { return Block{Kind: blockPara, Text: in} }
func warn(in ...Inline) Block { return Block{Kind: blockWarn, Text: in} }
func list(items ...[]Inline) Block {
	return Block{Kind: blockList, Items: items}
}
func t(s string) Inline    { return Inline{Text: s} }
func code(s string) Inline { return Inline{Text: s, Code: true} }
func bold(s string) Inline { return Inline{Text: s, Bold: true} }

// mdInline renders inline runs as Jupyter markdown.
func mdInline(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		switch {
		case x.Code:
			b.WriteString(codeSpan(x.Text))
		case x.Bold:
			b.WriteString("**" + escMD(x.Text) + "**")
		default:
			b.WriteString(escMD(x.Text))
		}
	}
	return b.String()
}

// htmlInline renders inline runs as HTML.
func htmlInline(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		switch {
		case x.Code:
			b.WriteString("<code>" + escHTML(x.Text) + "</code>")
		case x.Bold:
			b.WriteString("<strong>" + escHTML(x.Text) + "</strong>")
		default:
			b.WriteString(escHTML(x.Text))
		}
	}
	return b.String()
}

// markdown renders a markdown cell's blocks.
func markdown(blocks []Block) string {
	var parts []string
	for _, bl := range blocks {
		switch bl.Kind {
		case blockHeading:
			parts = append(parts, strings.Repeat("#", bl.Level)+" "+mdInline(bl.Text))
		case blockPara:
			parts = append(parts, mdInline(bl.Text))
		case blockWarn:
			parts = append(parts, "> **⚠** "+mdInline(bl.Text))
		case blockPre:
			// A fence longer than any backtick run inside keeps the text
			// literal (CommonMark §4.5): nothing in a fenced block is
			// markdown or HTML.
			fence := strings.Repeat("`", max(3, longestRun(bl.Text[0].Text, '`')+1))
			parts = append(parts, fence+"sh\n"+bl.Text[0].Text+"\n"+fence)
		case blockList:
			var items []string
			for _, it := range bl.Items {
				items = append(items, "- "+mdInline(it))
			}
			parts = append(parts, strings.Join(items, "\n"))
		}
	}
	return strings.Join(parts, "\n\n")
}

func longestRun(s string, c rune) int {
	best, n := 0, 0
	for _, r := range s {
		if r == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// tableHTML renders a table; every cell is escaped.
func tableHTML(tb *Table) string {
	var b strings.Builder
	if len(tb.Header) >= 5 {
		// Many columns: keep the table wide enough to read and let its
		// box scroll sideways on a phone, rather than squeeze every cell.
		b.WriteString("<table class=\"wide tex2jax_ignore mathjax_ignore\">\n<thead><tr>")
	} else {
		// Jupyter typesets $…$ in HTML outputs unless told not to.
		b.WriteString("<table class=\"tex2jax_ignore mathjax_ignore\">\n<thead><tr>")
	}
	for i, c := range tb.Header {
		b.WriteString("<th" + alignAttr(tb, i) + ">" + escHTML(c) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for r, row := range tb.Rows {
		if r < len(tb.Mark) && tb.Mark[r] {
			b.WriteString(`<tr class="pick">`)
		} else {
			b.WriteString("<tr>")
		}
		for i, c := range row {
			b.WriteString("<td" + alignAttr(tb, i) + ">" + escHTML(c) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>")
	return b.String()
}

func alignAttr(tb *Table, col int) string {
	if col < len(tb.Right) && tb.Right[col] {
		return ` style="text-align:right;white-space:nowrap"`
	}
	return ""
}

// tableText is a table as aligned plain text (the notebook's text/plain).
func tableText(tb *Table) string {
	width := make([]int, len(tb.Header))
	all := append([][]string{tb.Header}, tb.Rows...)
	for _, row := range all {
		for i, c := range row {
			if i < len(width) {
				width[i] = max(width[i], len([]rune(c)))
			}
		}
	}
	var b strings.Builder
	for _, row := range all {
		for i, c := range row {
			if i >= len(width) {
				break
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
