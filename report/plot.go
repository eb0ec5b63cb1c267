package report

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"):
// distinguishable with every common colour-vision deficiency.
var (
	okBlack     = color.RGBA{0x00, 0x00, 0x00, 0xff}
	okOrange    = color.RGBA{0xE6, 0x9F, 0x00, 0xff}
	okGreen     = color.RGBA{0x00, 0x9E, 0x73, 0xff}
	okBlue      = color.RGBA{0x00, 0x72, 0xB2, 0xff}
	okVermilion = color.RGBA{0xD5, 0x5E, 0x00, 0xff}
	okGrey      = color.RGBA{0x99, 0x99, 0x99, 0xff}
)

// Figure size: 5 × 3.4 inches, drawn at 144 dpi (720 × 490 pixels) and
// shown at most 36rem wide, so that on a phone 390 pixels wide the 11-point
// tick labels still read at about 12 CSS pixels, and stay sharp on
// high-density screens.
const (
	figW   = 5 * vg.Inch
	figH   = 3.4 * vg.Inch
	figDPI = 144
)

// newPlot is a plot with the report's title, axis labels and font sizes.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(15)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Label.TextStyle.Font.Size = vg.Points(13)
	p.Y.Label.TextStyle.Font.Size = vg.Points(13)
	p.X.Tick.Label.Font.Size = vg.Points(11)
	p.Y.Tick.Label.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	p.Legend.Top = true
	// Sans-serif everywhere (the package default is Liberation Serif).
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.Add(plotter.NewGrid())
	return p
}

// pngOf draws plots on one canvas (a grid of rows × cols) and encodes it
// as PNG. The encoding has no timestamp or other varying field, so the
// same plots give the same bytes.
func pngOf(plots [][]*plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(figDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	if len(plots) == 1 && len(plots[0]) == 1 {
		plots[0][0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Points(14), PadY: vg.Points(14),
			PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			for j, p := range plots[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode figure: %w", err)
	}
	return buf.Bytes(), nil
}

func one(p *plot.Plot) ([]byte, error) { return pngOf([][]*plot.Plot{{p}}, figW, figH) }

func scatter(xys plotter.XYs, c color.Color, shape draw.GlyphDrawer, radius vg.Length) (*plotter.Scatter, error) {
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Shape = shape
	s.GlyphStyle.Radius = radius
	return s, nil
}

func line(xys plotter.XYs, c color.Color, width vg.Length, dashed bool) (*plotter.Line, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = width
	if dashed {
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(4)}
	}
	return l, nil
}

// barsH is a horizontal bar chart of values with a label per bar, the
// first at the top.
func barsH(title, xLabel string, labels []string, values []float64, c color.Color) ([]byte, error) {
	p := newPlot(title, xLabel, "")
	n := len(values)
	vs := make(plotter.Values, n)
	names := make([]string, n)
	for i := range values {
		vs[n-1-i] = values[i]
		names[n-1-i] = clip(labels[i], 38)
	}
	b, err := plotter.NewBarChart(vs, vg.Points(max(6, min(22, 200/float64(max(n, 1))))))
	if err != nil {
		return nil, err
	}
	b.Horizontal = true
	b.Color = c
	b.LineStyle.Width = 0
	p.Add(b)
	p.NominalY(names...)
	p.X.Min = 0
	h := figH
	if n > 10 {
		h = vg.Length(float64(n)*0.26+1) * vg.Inch
	}
	return pngOf([][]*plot.Plot{{p}}, figW, h)
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
