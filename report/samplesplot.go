package report

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Samples is one named group of repeated measurements: Y[i] holds every
// sample (for example one value per seed) taken at X[i]. PlotSamples draws
// each sample as a hollow point and a line through the means.
type Samples struct {
	Name string
	X    []float64
	Y    [][]float64
}

// SamplesPanel is one plot of a SamplesPlot. A panel without groups is an
// empty cell of the grid.
type SamplesPanel struct {
	Title, XLabel, YLabel string

	// LogX and LogY select logarithmic axes. Samples that cannot be drawn
	// (NaN, infinite, or non-positive on a log axis) are skipped and
	// counted in a note under the panel's title; a mean that cannot be
	// drawn breaks the line.
	LogX, LogY bool

	// DataXTicks labels the x axis at the groups' X values only, for a few
	// values such as batch sizes, instead of regular ticks.
	DataXTicks bool

	// ZeroLine draws a dashed grey line at y = 0 (linear y axis only).
	ZeroLine bool

	// Dodge shifts group g of n sideways by (g − (n−1)/2)·Dodge in axis
	// coordinates (log10 of x on a log axis), so that groups sharing an x
	// do not hide each other's points. 0 draws every group at its x.
	Dodge float64

	Groups []Samples
}

// SamplesPlot is a grid of panels under a common title with one legend
// below them. Groups with the same name share a colour, a point shape and
// a legend entry across panels. Rows may differ in length: short rows are
// padded with empty cells on the right.
type SamplesPlot struct {
	Title string
	Rows  [][]SamplesPanel

	// SampleLabel and MeanLabel, when set, add grey legend entries saying
	// what a point and a line are, e.g. "one seed" and "mean over seeds".
	SampleLabel, MeanLabel string

	// Width and Height of the image; zero means DefaultPlotWidth and
	// DefaultPlotHeight. Fonts shrink (to 60% at most) when panels are
	// narrower than 8 cm.
	Width, Height vg.Length
}

// PlotSamples writes spec as a PNG: in every panel, each group's samples
// as hollow points and the mean of the drawable samples at each x as a
// line. It returns an error (and writes nothing) if no sample at all can
// be drawn, or if a group has len(X) != len(Y); it does not panic on NaN,
// infinite or non-positive values.
func PlotSamples(path string, spec SamplesPlot) error {
	cols := 0
	for _, row := range spec.Rows {
		cols = max(cols, len(row))
	}
	var names []string // group names in order of first appearance
	for _, row := range spec.Rows {
		for _, pn := range row {
			for _, g := range pn.Groups {
				if len(g.X) != len(g.Y) {
					return fmt.Errorf("report: plot %s: group %q has %d x values and %d sample lists", path, g.Name, len(g.X), len(g.Y))
				}
				if !slices.Contains(names, g.Name) {
					names = append(names, g.Name)
				}
			}
		}
	}
	w, h := cmp.Or(spec.Width, DefaultPlotWidth), cmp.Or(spec.Height, DefaultPlotHeight)
	if cols == 0 {
		return fmt.Errorf("report: plot %s: %w", path, errNothingToPlot)
	}
	scale := min(1, max(0.6, float64(w/vg.Length(cols)/(8*vg.Centimeter))))

	plots := make([][]*plot.Plot, len(spec.Rows))
	drawn := 0
	for r, row := range spec.Rows {
		plots[r] = make([]*plot.Plot, cols)
		for c, pn := range row {
			if len(pn.Groups) == 0 {
				continue
			}
			p, n, err := samplesPanel(pn, names, scale)
			if err != nil {
				return fmt.Errorf("report: plot %s: %w", path, err)
			}
			plots[r][c] = p
			drawn += n
		}
	}
	if drawn == 0 {
		return fmt.Errorf("report: plot %s: %w", path, errNothingToPlot)
	}
	entries := samplesLegend(names, spec.SampleLabel, spec.MeanLabel)
	return renderPNG(path, w, h, func(dc draw.Canvas) {
		title := newPlot(spec.Title).Title
		if spec.Title != "" {
			descent := title.TextStyle.FontExtents().Descent
			dc.FillText(title.TextStyle, vg.Point{X: dc.Center().X, Y: dc.Max.Y + descent}, spec.Title)
			dc.Max.Y -= title.TextStyle.Rectangle(spec.Title).Size().Y + title.Padding
		}
		dc.Min.Y += drawLegendRow(dc, entries, scale)
		tiles := draw.Tiles{Rows: len(plots), Cols: cols, PadX: vg.Points(10 * scale), PadY: vg.Points(8 * scale), PadTop: vg.Points(8)}
		canvases := plot.Align(plots, tiles, dc)
		for r := range plots {
			for c, p := range plots[r] {
				if p != nil {
					p.Draw(canvases[r][c])
				}
			}
		}
	})
}

// samplesPanel builds one panel's plot and returns it with the number of
// samples drawn. names fixes each group's colour and shape.
func samplesPanel(pn SamplesPanel, names []string, scale float64) (*plot.Plot, int, error) {
	p := newPlot("")
	scaleFonts(p, scale)
	p.X.Label.Text, p.Y.Label.Text = pn.XLabel, pn.YLabel
	if pn.LogX {
		p.X.Tick.Marker = logTicks{}
	}
	if pn.LogY {
		p.Y.Tick.Marker = logTicks{}
	}
	p.Add(gridLines())

	var xs []plot.Tick // distinct x values with a drawn sample, for DataXTicks
	drawn, skipped := 0, 0
	for gi, g := range pn.Groups {
		k := slices.Index(names, g.Name)
		col := plotutil.DarkColors[k%len(plotutil.DarkColors)]
		shift := (float64(gi) - float64(len(pn.Groups)-1)/2) * pn.Dodge
		var pts, means plotter.XYs
		for i, x := range g.X {
			ax, okx := axisCoord(x, pn.LogX)
			if !okx {
				skipped += len(g.Y[i])
				continue
			}
			tick := plot.Tick{Value: ax, Label: strconv.FormatFloat(x, 'g', -1, 64)}
			ax += shift
			var sum float64
			n := 0
			for _, y := range g.Y[i] {
				ay, oky := axisCoord(y, pn.LogY)
				if !oky {
					skipped++
					continue
				}
				pts = append(pts, plotter.XY{X: ax, Y: ay})
				sum += y
				n++
			}
			if n == 0 {
				continue
			}
			if !slices.Contains(xs, tick) {
				xs = append(xs, tick)
			}
			if ay, ok := axisCoord(sum/float64(n), pn.LogY); ok {
				means = append(means, plotter.XY{X: ax, Y: ay})
			} else {
				means = append(means, plotter.XY{X: ax, Y: math.NaN()})
			}
		}
		if len(pts) == 0 {
			continue
		}
		drawn += len(pts)
		slices.SortStableFunc(means, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		for _, seg := range splitNaN(means) {
			if len(seg) < 2 {
				continue
			}
			l, err := plotter.NewLine(seg)
			if err != nil {
				return nil, 0, err
			}
			l.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5 * scale)}
			p.Add(l)
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, 0, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5 * max(scale, 0.8)), Shape: plotutil.Shape(k)}
		p.Add(sc)
	}
	if pn.ZeroLine && !pn.LogY {
		p.Add(zeroLine{})
	}
	what := "non-finite"
	if pn.LogX || pn.LogY {
		what = "non-finite or non-positive (log axis)"
	}
	p.Title.Text = withNotes(pn.Title, skippedNote(skipped, what+" sample"))
	if drawn == 0 { // empty axes rather than the infinite range of no data
		p.Title.Text = withNotes(pn.Title, "no drawable samples")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p, 0, nil
	}
	fixRange(&p.X, pn.LogX)
	fixRange(&p.Y, pn.LogY)
	if pn.ZeroLine && !pn.LogY {
		p.Y.Min, p.Y.Max = min(p.Y.Min, 0), max(p.Y.Max, 0)
	}
	if pn.DataXTicks && len(xs) > 0 {
		p.X.Tick.Marker = plot.ConstantTicks(xs)
		pad := 0.12 * (p.X.Max - p.X.Min)
		p.X.Min, p.X.Max = p.X.Min-pad, p.X.Max+pad
	}
	return p, drawn, nil
}

// zeroLine draws y = 0 as a dashed grey line across the data area.
type zeroLine struct{}

// Plot implements plot.Plotter.
func (zeroLine) Plot(c draw.Canvas, p *plot.Plot) {
	y := c.Y(p.Y.Norm(0))
	ls := draw.LineStyle{Color: color.Gray{Y: 110}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	c.StrokeLine2(ls, c.Min.X, y, c.Max.X, y)
}

// splitNaN cuts pts into runs without NaN coordinates.
func splitNaN(pts plotter.XYs) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for _, pt := range pts {
		if math.IsNaN(pt.X) || math.IsNaN(pt.Y) {
			out, cur = append(out, cur), nil
			continue
		}
		cur = append(cur, pt)
	}
	return append(out, cur)
}

// scaleFonts multiplies the sizes of a plot's title, labels and tick
// labels by s.
func scaleFonts(p *plot.Plot, s float64) {
	for _, f := range []*vg.Length{&p.Title.TextStyle.Font.Size, &p.X.Label.TextStyle.Font.Size, &p.Y.Label.TextStyle.Font.Size,
		&p.X.Tick.Label.Font.Size, &p.Y.Tick.Label.Font.Size} {
		*f = vg.Length(float64(*f) * s)
	}
}

// legendEntry is one entry of a legend row: thumbnails and text.
type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

// samplesLegend returns the legend entries of PlotSamples: one per group
// name (line and point in its colour and shape), then grey entries for a
// sample and a mean when labelled.
func samplesLegend(names []string, sample, mean string) []legendEntry {
	var es []legendEntry
	for k, n := range names {
		col := plotutil.DarkColors[k%len(plotutil.DarkColors)]
		es = append(es, legendEntry{n, []plot.Thumbnailer{
			&plotter.Line{LineStyle: draw.LineStyle{Color: col, Width: vg.Points(1.5)}},
			&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: plotutil.Shape(k)}},
		}})
	}
	grey := color.Gray{Y: 90}
	if sample != "" {
		es = append(es, legendEntry{sample, []plot.Thumbnailer{&plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: grey, Radius: vg.Points(2.5), Shape: draw.RingGlyph{}}}}})
	}
	if mean != "" {
		es = append(es, legendEntry{mean, []plot.Thumbnailer{&plotter.Line{LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(1.5)}}}})
	}
	return es
}

// drawLegendRow draws entries side by side, centred along the bottom of
// dc, and returns the height it used (0 for no entries).
func drawLegendRow(dc draw.Canvas, entries []legendEntry, scale float64) vg.Length {
	if len(entries) == 0 {
		return 0
	}
	sty := plot.NewLegend().TextStyle
	sty.Font.Size = vg.Length(float64(sty.Font.Size) * max(scale, 0.8))
	thumbW, gap, em := vg.Points(20), vg.Points(14), sty.Width(" ")
	total := vg.Length(0)
	for i, e := range entries {
		total += thumbW + em + sty.Width(e.text)
		if i > 0 {
			total += gap
		}
	}
	lineH := sty.Height("Xg")
	x := dc.Center().X - total/2
	y := dc.Min.Y + lineH/4
	for _, e := range entries {
		icon := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: x, Y: y}, Max: vg.Point{X: x + thumbW, Y: y + lineH}}}
		for _, t := range e.thumbs {
			t.Thumbnail(&icon)
		}
		descent := sty.FontExtents().Descent
		dc.FillText(sty, vg.Point{X: x + thumbW + em, Y: y + descent + (lineH-sty.Rectangle(e.text).Size().Y)/2}, e.text)
		x += thumbW + em + sty.Width(e.text) + gap
	}
	return lineH * 1.5
}
