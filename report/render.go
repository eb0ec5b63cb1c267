package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// nbformat 4.5 (https://github.com/jupyter/nbformat, v4/nbformat.v4.5.schema.json).
type notebook struct {
	Cells         []nbCell   `json:"cells"`
	Metadata      nbMetadata `json:"metadata"`
	NBFormat      int        `json:"nbformat"`
	NBFormatMinor int        `json:"nbformat_minor"`
}

type nbMetadata struct {
	Kernelspec   kernelspec   `json:"kernelspec"`
	LanguageInfo languageInfo `json:"language_info"`
}

type kernelspec struct {
	DisplayName string `json:"display_name"`
	Language    string `json:"language"`
	Name        string `json:"name"`
}

type languageInfo struct {
	Name string `json:"name"`
}

type nbCell struct {
	ID             string          `json:"id"`
	CellType       string          `json:"cell_type"`
	Metadata       map[string]any  `json:"metadata"`
	Source         []string        `json:"source"`
	ExecutionCount json.RawMessage `json:"execution_count,omitempty"` // code cells: null (never run)
	Outputs        *[]nbOutput     `json:"outputs,omitempty"`
}

type nbOutput struct {
	OutputType string         `json:"output_type"`
	Data       map[string]any `json:"data"`
	Metadata   map[string]any `json:"metadata"`
}

// lines splits text the way Jupyter stores it: one string per line, each
// but the last keeping its "\n".
func lines(s string) []string {
	if s == "" {
		return []string{}
	}
	parts := strings.SplitAfter(s, "\n")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// Notebook renders the report as nbformat 4.5 JSON. Cell IDs are their
// position ("cell-001"), so the same Doc gives the same bytes.
func (d *Doc) Notebook() ([]byte, error) {
	nb := notebook{
		Metadata: nbMetadata{
			Kernelspec:   kernelspec{DisplayName: "Python 3", Language: "python", Name: "python3"},
			LanguageInfo: languageInfo{Name: "python"},
		},
		NBFormat: 4, NBFormatMinor: 5,
	}
	for i, c := range d.Cells {
		cell := nbCell{ID: fmt.Sprintf("cell-%03d", i+1), Metadata: map[string]any{}}
		if c.Code == "" {
			cell.CellType = "markdown"
			cell.Source = lines(markdown(c.Blocks))
			nb.Cells = append(nb.Cells, cell)
			continue
		}
		cell.CellType = "code"
		cell.Source = lines(c.Code)
		if c.Check != "" {
			cell.Metadata["nightshift"] = map[string]any{"check": c.Check}
		}
		outs := []nbOutput{}
		for _, o := range c.Outputs {
			data := map[string]any{}
			switch {
			case o.Table != nil:
				data["text/html"] = lines(tableHTML(o.Table))
				data["text/plain"] = lines(tableText(o.Table))
			case o.PNG != nil:
				data["image/png"] = base64.StdEncoding.EncodeToString(o.PNG)
				data["text/plain"] = lines(o.Alt)
			}
			if o.JSON != nil {
				data["application/json"] = o.JSON
			}
			outs = append(outs, nbOutput{OutputType: "display_data", Data: data, Metadata: map[string]any{}})
		}
		cell.Outputs = &outs
		cell.ExecutionCount = json.RawMessage("null")
		nb.Cells = append(nb.Cells, cell)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(nb); err != nil {
		return nil, fmt.Errorf("notebook: %w", err)
	}
	return buf.Bytes(), nil
}

const css = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1a1a1a;background:#fff;margin:0 auto;max-width:62rem;padding:0.8rem 1rem 3rem}
h1{font-size:1.6rem;margin:0.6rem 0}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ccc;padding-bottom:0.2rem}h3{font-size:1.1rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:0.88em;background:#f3f3f3;padding:0 0.2em;border-radius:3px;overflow-wrap:anywhere}
.scroll{overflow-x:auto;margin:0.6rem 0}table{border-collapse:collapse;font-size:0.85rem}th,td{border:1px solid #ccc;padding:0.25rem 0.45rem;vertical-align:top}
th{background:#f0f0f0;text-align:left}tr.pick td{background:#fff3cd;font-weight:600}
img{width:100%;max-width:36rem;height:auto;display:block;margin:0.6rem 0}
.warn{border-left:4px solid #D55E00;background:#fdf0e8;padding:0.4rem 0.7rem}
details{margin:0.4rem 0 1rem}summary{cursor:pointer;color:#0072B2;font-size:0.9rem}
pre{background:#f6f6f6;padding:0.6rem;overflow-x:auto;font-size:0.8rem;white-space:pre}pre.cmds{white-space:pre-wrap;overflow-wrap:anywhere}
nav ul{padding-left:1.2rem;font-size:0.95rem}@media(min-width:40rem){nav ul{columns:2}}a{color:#0072B2}
p,li{overflow-wrap:anywhere}table.wide{min-width:46rem}`

// HTML renders the report as one page that loads nothing: styles inline,
// figures as data: URIs, and a Content-Security-Policy that forbids
// scripts and every remote request.
func (d *Doc) HTML() []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n")
	b.WriteString("<meta name=\"referrer\" content=\"no-referrer\">\n")
	b.WriteString("<title>" + escHTML(d.Title) + "</title>\n<style>" + css + "</style>\n</head>\n<body>\n")
	var toc []Block
	for _, c := range d.Cells {
		for _, bl := range c.Blocks {
			if bl.Kind == blockHeading && bl.Level == 2 {
				toc = append(toc, bl)
			}
		}
	}
	for i, c := range d.Cells {
		if c.Code == "" {
			for _, bl := range c.Blocks {
				writeBlockHTML(&b, bl)
			}
			if i == 0 && len(toc) > 0 {
				b.WriteString("<nav><ul>\n")
				for _, bl := range toc {
					b.WriteString("<li><a href=\"#" + escHTML(bl.ID) + "\">" + htmlInline(bl.Text) + "</a></li>\n")
				}
				b.WriteString("</ul></nav>\n")
			}
			continue
		}
		for _, o := range c.Outputs {
			switch {
			case o.Table != nil:
				b.WriteString("<div class=\"scroll\">" + tableHTML(o.Table) + "</div>\n")
			case o.PNG != nil:
				b.WriteString("<img alt=\"" + escHTML(o.Alt) + "\" src=\"data:image/png;base64," + base64.StdEncoding.EncodeToString(o.PNG) + "\">\n")
			}
		}
		b.WriteString("<details><summary>Python that recomputes this</summary><pre><code>" + escHTML(c.Code) + "</code></pre></details>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}

func writeBlockHTML(b *strings.Builder, bl Block) {
	switch bl.Kind {
	case blockHeading:
		id := ""
		if bl.ID != "" {
			id = " id=\"" + escHTML(bl.ID) + "\""
		}
		fmt.Fprintf(b, "<h%d%s>%s</h%d>\n", bl.Level, id, htmlInline(bl.Text), bl.Level)
	case blockPara:
		b.WriteString("<p>" + htmlInline(bl.Text) + "</p>\n")
	case blockWarn:
		b.WriteString("<p class=\"warn\">⚠ " + htmlInline(bl.Text) + "</p>\n")
	case blockPre:
		b.WriteString("<pre class=\"cmds\"><code>" + escHTML(bl.Text[0].Text) + "</code></pre>\n")
	case blockList:
		b.WriteString("<ul>\n")
		for _, it := range bl.Items {
			b.WriteString("<li>" + htmlInline(it) + "</li>\n")
		}
		b.WriteString("</ul>\n")
	}
}
