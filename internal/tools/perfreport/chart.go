package main

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	encryptColor = color.RGBA{R: 0x33, G: 0x66, B: 0xaa, A: 0xff}
	decryptColor = color.RGBA{R: 0x88, G: 0xbb, B: 0xdd, A: 0xff}
	budgetColor  = color.RGBA{R: 0xcc, G: 0x22, B: 0x22, A: 0xff}
)

// A series is one set of bars of a panel: a value per category, 0 where
// there is no measure.
type series struct {
	color  color.Color
	values []float64
}

// A panel is one horizontal bar chart of the figure.
type panel struct {
	title, xlabel string
	categories    []string  // top to bottom
	series        []series  // drawn side by side, the first on top
	budgets       []float64 // per category, 0 for none
	one           bool      // draw the line x = 1
}

// panels turns the measured checks into the chart's three panels, leaving
// out what was not measured.
func panels(ms []Measured) []panel {
	var out []panel
	// ddbcrypt ÷ floor, and ÷ Python (as a speedup), grouped by case with
	// encrypt (dark) and decrypt (light) side by side.
	grouped := func(g Group, title, xlabel string, speedup bool) {
		p := panel{title: title, xlabel: xlabel, series: []series{{color: encryptColor}, {color: decryptColor}}, one: true}
		index := map[string]int{}
		for _, m := range selectGroup(ms, g) {
			if m.Ratio == nil {
				continue
			}
			name, op, _ := cutLast(m.Label)
			i, ok := index[name]
			if !ok {
				i = len(p.categories)
				index[name] = i
				p.categories = append(p.categories, name)
				p.budgets = append(p.budgets, m.Budget)
				for s := range p.series {
					p.series[s].values = append(p.series[s].values, 0)
				}
			}
			v := m.Ratio.Median
			if speedup {
				v = 1 / v
			}
			if op == "decrypt" {
				p.series[1].values[i] = v
			} else {
				p.series[0].values[i] = v
			}
		}
		if len(p.categories) > 0 {
			out = append(out, p)
		}
	}
	grouped(VsFloor, "ddbcrypt ÷ crypto floor (dark: encrypt, light: decrypt; red: budget)", "time ÷ floor time", false)
	p := panel{title: "ddbcrypt ÷ the call or library it replaces (red: budget)", xlabel: "time ÷ baseline time",
		series: []series{{color: encryptColor}}, one: true}
	for _, m := range selectGroup(ms, VsBaseline) {
		if m.Ratio != nil {
			p.categories = append(p.categories, m.ID+" "+m.Label)
			p.budgets = append(p.budgets, m.Budget)
			p.series[0].values = append(p.series[0].values, m.Ratio.Median)
		}
	}
	if len(p.categories) > 0 {
		out = append(out, p)
	}
	grouped(VsPython, "Python reference ÷ ddbcrypt (dark: encrypt, light: decrypt; higher: ddbcrypt faster)", "Python time ÷ ddbcrypt time", true)
	return out
}

// cutLast splits "static small encrypt" into "static small" and "encrypt".
func cutLast(label string) (head, last string, ok bool) {
	i := strings.LastIndexByte(label, ' ')
	if i < 0 {
		return label, "", false
	}
	return label[:i], label[i+1:], true
}

const (
	chartWidth = 7 * vg.Inch
	barWidth   = 9 * vg.Millimeter / 3 // 3 mm
	panelExtra = 70                    // points for a panel's title, axis and padding
)

func panelHeight(p panel) vg.Length {
	return vg.Length(panelExtra) + vg.Length(len(p.categories)*len(p.series))*barWidth*1.35
}

// Chart draws the panels one above the other, as an SVG document or in
// another format of draw.NewFormattedCanvas ("png").
func Chart(ms []Measured, format string) ([]byte, error) {
	ps := panels(ms)
	if len(ps) == 0 {
		return nil, fmt.Errorf("nothing was measured: no chart to draw")
	}
	var height vg.Length
	for _, p := range ps {
		height += panelHeight(p)
	}
	c, err := draw.NewFormattedCanvas(chartWidth, height, format)
	if err != nil {
		return nil, err
	}
	top := height
	for _, p := range ps {
		plt, err := p.plot()
		if err != nil {
			return nil, fmt.Errorf("chart panel %q: %w", p.title, err)
		}
		h := panelHeight(p)
		plt.Draw(draw.Canvas{Canvas: c, Rectangle: vg.Rectangle{Min: vg.Point{X: 0, Y: top - h}, Max: vg.Point{X: chartWidth, Y: top}}})
		top -= h
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (p panel) plot() (*plot.Plot, error) {
	plt := plot.New()
	plt.Title.Text = p.title
	plt.X.Label.Text = p.xlabel
	plt.X.Min = 0
	n := len(p.categories)
	// Category i is drawn at y = n-1-i, so that the first is on top.
	names := make([]string, n)
	for i, c := range p.categories {
		names[n-1-i] = c
	}
	k := len(p.series)
	var labelsOnTop []plot.Plotter // the values, drawn last to stay readable over budget marks
	for s, ser := range p.series {
		vals := make(plotter.Values, n)
		labels := plotter.XYLabels{XYs: make(plotter.XYs, n), Labels: make([]string, n)}
		for i, v := range ser.values {
			vals[n-1-i] = v
			labels.XYs[n-1-i] = plotter.XY{X: v, Y: float64(n - 1 - i)}
			if v > 0 {
				labels.Labels[n-1-i] = fmt.Sprintf("%.2f", v)
			}
		}
		bars, err := plotter.NewBarChart(vals, barWidth)
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.Color = ser.color
		bars.LineStyle.Width = 0
		// Bars of one category side by side, the first series on top.
		bars.Offset = barWidth * vg.Length(float64(k-1)/2-float64(s))
		plt.Add(bars)
		ls, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range ls.TextStyle {
			ls.TextStyle[i].Font.Size = vg.Points(7)
			ls.TextStyle[i].YAlign = draw.YCenter
		}
		ls.Offset = vg.Point{X: vg.Points(3), Y: bars.Offset}
		labelsOnTop = append(labelsOnTop, ls)
	}
	var budgets plotter.XYs
	for i, b := range p.budgets {
		if b > 0 {
			budgets = append(budgets, plotter.XY{X: b, Y: float64(n - 1 - i)})
		}
	}
	if len(budgets) > 0 {
		sc, err := plotter.NewScatter(budgets)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: budgetColor, Radius: barWidth * vg.Length(k) / 2 * 1.1, Shape: budgetMark{}}
		plt.Add(sc)
	}
	if p.one {
		one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(n) - 0.5}})
		if err != nil {
			return nil, err
		}
		one.LineStyle.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		one.LineStyle.Color = color.Gray{Y: 0x66}
		plt.Add(one)
	}
	plt.Add(labelsOnTop...)
	plt.NominalY(names...)
	plt.Y.Min, plt.Y.Max = -0.5, float64(n)-0.5
	// Room on the right for the bars' value labels.
	_, xmax, _, _ := plotter.XYRange(budgetsAndValues(p))
	plt.X.Max = xmax * 1.12
	return plt, nil
}

// budgetsAndValues are every x the panel draws, for its range.
func budgetsAndValues(p panel) plotter.XYs {
	xys := plotter.XYs{{X: 1}}
	for _, s := range p.series {
		for _, v := range s.values {
			xys = append(xys, plotter.XY{X: v})
		}
	}
	for _, b := range p.budgets {
		xys = append(xys, plotter.XY{X: b})
	}
	return xys
}

// budgetMark draws a budget as a vertical stroke across a category's bars.
type budgetMark struct{}

func (budgetMark) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.StrokeLine2(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)}, pt.X, pt.Y-sty.Radius, pt.X, pt.Y+sty.Radius)
}
