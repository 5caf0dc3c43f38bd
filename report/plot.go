package report

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Default size and resolution of the PNG plots.
const (
	DefaultPlotWidth  = 16 * vg.Centimeter
	DefaultPlotHeight = 10 * vg.Centimeter
	PlotDPI           = 150
)

// DensityFloor is the relative floor applied by PlotDensity: density values
// below DensityFloor × max(density), including zeros, are drawn at that
// floor, since a log axis cannot show zero.
const DensityFloor = 1e-10

// errNothingToPlot is wrapped when no finite point survives filtering.
var errNothingToPlot = errors.New("nothing to plot: no finite (and, on log axes, positive) values")

// PlotEigenvalues writes a PNG of the eigenvalues sorted in ascending order
// against their index (1 … n), the way Sagun et al. ("Eigenvalues of the
// Hessian in deep learning") show a Hessian spectrum: the bulk near zero
// and the few large outliers at the right end. The y axis is linear and a
// dashed line marks zero. Non-finite eigenvalues are skipped and counted in
// the title. Large spectra (more than 5000 values) are drawn as a line
// instead of individual points.
func PlotEigenvalues(path, title string, eigs []float64) error {
	vals := make([]float64, 0, len(eigs))
	for _, v := range eigs {
		if isFinite(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return fmt.Errorf("report: plot %s: %w", path, errNothingToPlot)
	}
	slices.Sort(vals)
	xys := make(plotter.XYs, len(vals))
	for i, v := range vals {
		xys[i] = plotter.XY{X: float64(i + 1), Y: v}
	}

	p := newPlot(withNotes(title, skippedNote(len(eigs)-len(vals), "non-finite eigenvalue")))
	p.X.Label.Text = fmt.Sprintf("index (ascending order), n = %d", len(vals))
	p.Y.Label.Text = "eigenvalue"
	p.Add(gridLines())

	zero, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 0}, {X: float64(max(len(vals), 2)), Y: 0}})
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	zero.Color = color.Gray{Y: 110}
	zero.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(zero)

	col := plotutil.DarkColors[0]
	if len(vals) > 5000 {
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("report: plot %s: %w", path, err)
		}
		l.Color = col
		l.Width = vg.Points(1.2)
		p.Add(l)
	} else {
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("report: plot %s: %w", path, err)
		}
		s.Color = col
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(max(0.8, min(2.5, 200/float64(len(vals)))))
		p.Add(s)
	}
	fixRange(&p.X, false)
	fixRange(&p.Y, false)
	return savePNG(path, p, DefaultPlotWidth, DefaultPlotHeight)
}

// PlotDensity writes a PNG of a spectral density (for example from
// stochastic Lanczos quadrature) evaluated at the points grid, with the
// density on a log-scale y axis. grid and density must have equal length.
// Density values below DensityFloor × max(density) — including zeros and
// small negative values from numerical noise — are drawn at that floor
// (the y label says so); pairs with a non-finite coordinate are skipped and
// counted in the title.
func PlotDensity(path, title string, grid, density []float64) error {
	if len(grid) != len(density) {
		return fmt.Errorf("report: plot %s: grid has %d points but density has %d", path, len(grid), len(density))
	}
	xys := make(plotter.XYs, 0, len(grid))
	peak := math.Inf(-1)
	for i := range grid {
		if isFinite(grid[i]) && isFinite(density[i]) {
			xys = append(xys, plotter.XY{X: grid[i], Y: density[i]})
			peak = max(peak, density[i])
		}
	}
	if len(xys) == 0 || peak <= 0 {
		return fmt.Errorf("report: plot %s: %w", path, errNothingToPlot)
	}
	floor := peak * DensityFloor
	clipped := 0
	for i := range xys {
		if xys[i].Y < floor {
			xys[i].Y = floor
			clipped++
		}
	}
	slices.SortStableFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })

	for i := range xys {
		xys[i].Y = math.Log10(xys[i].Y)
	}

	p := newPlot(withNotes(title, skippedNote(len(grid)-len(xys), "non-finite point")))
	p.X.Label.Text = "eigenvalue"
	p.Y.Label.Text = "density (log scale)"
	if clipped > 0 {
		p.Y.Label.Text = fmt.Sprintf("density (floor %g·max)", DensityFloor)
	}
	p.Y.Tick.Marker = logTicks{}
	p.Add(gridLines())

	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	l.Color = plotutil.DarkColors[0]
	l.Width = vg.Points(1.2)
	p.Add(l)
	fixRange(&p.X, false)
	fixRange(&p.Y, true)
	return savePNG(path, p, DefaultPlotWidth, DefaultPlotHeight)
}

// Series is one named curve of a SeriesPlot: Y[i] is the value at X[i].
// X and Y must have equal length; the points are drawn in order of X.
type Series struct {
	Name string
	X, Y []float64
}

// SeriesPlot describes a multi-series line plot for PlotSeries.
//
// gonum/plot has no second y axis, so "secondary" series (for example test
// accuracy next to sharpness measures) share the primary axis and are made
// comparable in one of two explicit, labelled ways:
//
//   - With Normalize set, every series (primary and secondary) is divided by
//     its own value at X == NormalizeAt, so all curves pass through 1 there
//     and the y axis reads "ratio to value at x = NormalizeAt". On a log y
//     axis this shows, e.g., measures moving by orders of magnitude under a
//     reparametrisation α while accuracy stays flat at 1. A series with no
//     point at NormalizeAt, or a zero or non-finite value there, is left out
//     and the omission is noted in the title.
//   - Without Normalize, each secondary series is multiplied by
//     SecondaryScale or, if that is 0, by an automatic power of ten that
//     moves it next to the primary series (centre of the range on a log y
//     axis, matching largest magnitude on a linear one). The legend shows
//     the factor, e.g. "test accuracy ×1e+03 (secondary)".
//
// Secondary series are drawn with dashed lines. The y range is extended
// upwards so that the legend, drawn in the top right corner, does not
// cover data.
type SeriesPlot struct {
	Title, XLabel, YLabel string

	// LogX and LogY select logarithmic axes. Points with a non-positive
	// coordinate on a log axis cannot be drawn: they are skipped (the line
	// is broken there) and counted in a note in the title, as are points
	// with NaN or infinite coordinates.
	LogX, LogY bool

	Series    []Series
	Secondary []Series

	Normalize   bool
	NormalizeAt float64

	// SecondaryScale multiplies secondary series when Normalize is false;
	// 0 selects an automatic power of ten.
	SecondaryScale float64

	// Width and Height of the image; zero means DefaultPlotWidth and
	// DefaultPlotHeight.
	Width, Height vg.Length
}

// curve is a series after sorting, normalisation and scaling, in plot
// coordinates (log10 applied on log axes). Points that cannot be drawn
// are NaN and break the line.
type curve struct {
	name      string
	pts       plotter.XYs
	secondary bool
}

// PlotSeries writes spec as a PNG line plot with point markers and a
// legend. See SeriesPlot for how secondary series, normalisation and log
// axes are handled. It returns an error (and writes nothing) if no point at
// all can be drawn or a series has len(X) != len(Y); it does not panic on
// NaN, infinite or non-positive values.
func PlotSeries(path string, spec SeriesPlot) error {
	all := append(slices.Clone(spec.Series), spec.Secondary...)
	for _, s := range all {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("report: plot %s: series %q has %d x values and %d y values", path, s.Name, len(s.X), len(s.Y))
		}
	}

	var notes, omitted []string
	var curves []curve
	for i, s := range all {
		pts := make(plotter.XYs, len(s.X))
		for k := range s.X {
			pts[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
		}
		slices.SortStableFunc(pts, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		if spec.Normalize {
			ref, found := valueAt(pts, spec.NormalizeAt)
			if !found || ref == 0 || !isFinite(ref) {
				omitted = append(omitted, strconv.Quote(s.Name))
				continue
			}
			for k := range pts {
				pts[k].Y /= ref
			}
		}
		curves = append(curves, curve{name: s.Name, pts: pts, secondary: i >= len(spec.Series)})
	}

	if len(omitted) > 0 {
		notes = append(notes, fmt.Sprintf("omitted, no finite non-zero value at x = %g: %s", spec.NormalizeAt, strings.Join(omitted, ", ")))
	}
	if !spec.Normalize {
		scaleSecondary(curves, spec.SecondaryScale, spec.LogY)
	}

	// To plot coordinates; mark undrawable points as NaN.
	skipped := 0
	for _, c := range curves {
		for k, pt := range c.pts {
			x, okx := axisCoord(pt.X, spec.LogX)
			y, oky := axisCoord(pt.Y, spec.LogY)
			if !okx || !oky {
				x, y = math.NaN(), math.NaN()
				skipped++
			}
			c.pts[k] = plotter.XY{X: x, Y: y}
		}
	}

	p := newPlot("")
	p.X.Label.Text = spec.XLabel
	p.Y.Label.Text = spec.YLabel
	if spec.Normalize {
		x := cmp.Or(spec.XLabel, "x")
		rel := fmt.Sprintf("ratio to value at %s = %g", x, spec.NormalizeAt)
		if spec.YLabel != "" {
			rel = fmt.Sprintf("%s ÷ value at %s = %g", spec.YLabel, x, spec.NormalizeAt)
		}
		p.Y.Label.Text = rel
	}
	if spec.LogX {
		p.X.Tick.Marker = logTicks{}
	}
	if spec.LogY {
		p.Y.Tick.Marker = logTicks{}
	}
	p.Add(gridLines())

	entries := 0
	for i, c := range curves {
		col := plotutil.DarkColors[i%len(plotutil.DarkColors)]
		ls := draw.LineStyle{Color: col, Width: vg.Points(1.5)}
		if c.secondary {
			ls.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		var kept, seg plotter.XYs
		flush := func() error {
			if len(seg) > 1 {
				l, err := plotter.NewLine(seg)
				if err != nil {
					return err
				}
				l.LineStyle = ls
				p.Add(l)
			}
			seg = nil
			return nil
		}
		for _, pt := range c.pts {
			if math.IsNaN(pt.X) {
				if err := flush(); err != nil {
					return fmt.Errorf("report: plot %s: %w", path, err)
				}
				continue
			}
			seg = append(seg, pt)
			kept = append(kept, pt)
		}
		if err := flush(); err != nil {
			return fmt.Errorf("report: plot %s: %w", path, err)
		}
		if len(kept) == 0 {
			notes = append(notes, fmt.Sprintf("%q has no drawable points", c.name))
			continue
		}
		sc, err := plotter.NewScatter(kept)
		if err != nil {
			return fmt.Errorf("report: plot %s: %w", path, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: plotutil.Shape(i)}
		p.Add(sc)
		name := c.name
		if c.secondary {
			name += " (secondary)"
		}
		p.Legend.Add(name, &plotter.Line{LineStyle: ls}, sc)
		entries++
	}
	if entries == 0 {
		return fmt.Errorf("report: plot %s: %w", path, errNothingToPlot)
	}
	if skipped > 0 {
		what := "non-finite"
		if spec.LogX || spec.LogY {
			what = "non-finite or non-positive (log axis)"
		}
		notes = append(notes, fmt.Sprintf("%d %s point(s) skipped", skipped, what))
	}
	p.Title.Text = withNotes(spec.Title, notes...)

	w, h := spec.Width, spec.Height
	if w <= 0 {
		w = DefaultPlotWidth
	}
	if h <= 0 {
		h = DefaultPlotHeight
	}
	fixRange(&p.X, spec.LogX)
	fixRange(&p.Y, spec.LogY)
	legendHeadroom(p, entries, h)
	return savePNG(path, p, w, h)
}

// scaleSecondary multiplies secondary curves by factor, or by an automatic
// power of ten when factor is 0, and records the factor in their names.
func scaleSecondary(curves []curve, factor float64, logY bool) {
	var prim []float64
	for _, c := range curves {
		if !c.secondary {
			prim = append(prim, drawableY(c.pts, logY)...)
		}
	}
	for i := range curves {
		c := &curves[i]
		if !c.secondary {
			continue
		}
		f := factor
		if f == 0 {
			f = 1
			if sec := drawableY(c.pts, logY); len(sec) > 0 && len(prim) > 0 {
				var k float64
				if logY {
					// Align the centres of the ranges in log space.
					k = math.Round(logMid(prim) - logMid(sec))
				} else {
					k = math.Round(math.Log10(maxAbsOf(prim) / maxAbsOf(sec)))
				}
				if isFinite(k) {
					f = math.Pow(10, k)
				}
			}
		}
		for k := range c.pts {
			c.pts[k].Y *= f
		}
		if f != 1 {
			c.name += fmt.Sprintf(" ×%.3g", f)
		}
	}
}

// drawableY returns the y values of pts that can be drawn (finite, and
// positive on a log axis), ignoring x.
func drawableY(pts plotter.XYs, logY bool) []float64 {
	var ys []float64
	for _, pt := range pts {
		if isFinite(pt.Y) && (!logY || pt.Y > 0) && pt.Y != 0 {
			ys = append(ys, pt.Y)
		}
	}
	return ys
}

// logMid returns the midpoint of log10 of the (positive) values' range.
func logMid(v []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return (math.Log10(lo) + math.Log10(hi)) / 2
}

// maxAbsOf returns the largest magnitude in v.
func maxAbsOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

// axisCoord maps a data value to plot coordinates: log10 on a log axis.
// ok is false for values that cannot be drawn.
func axisCoord(v float64, log bool) (c float64, ok bool) {
	if !isFinite(v) {
		return 0, false
	}
	if log {
		if v <= 0 {
			return 0, false
		}
		return math.Log10(v), true
	}
	return v, true
}

// logTicks marks an axis whose coordinates are log10 of the data: major
// ticks at powers of ten labelled with the data value (thinned out over
// many decades), minor ticks at 2…9 × 10^k when they fit, and extra
// labels at 2 and 5 × 10^k when the axis spans less than two decades (at
// every minor tick below one decade).
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !isFinite(lo) || !isFinite(hi) || hi < lo {
		return nil
	}
	k0, k1 := int(math.Floor(lo)), int(math.Ceil(hi))
	decades := k1 - k0
	step := max(1, (decades+7)/8)
	var ticks []plot.Tick
	for k := k0; k <= k1; k++ {
		label := ""
		if k%step == 0 {
			label = strconv.FormatFloat(math.Pow10(k), 'g', -1, 64)
		}
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: label})
		if decades > 8 || k == k1 {
			continue
		}
		for m := 2; m <= 9; m++ {
			t := plot.Tick{Value: float64(k) + math.Log10(float64(m))}
			if span := hi - lo; span < 1 || (span < 2 && (m == 2 || m == 5)) {
				t.Label = strconv.FormatFloat(float64(m)*math.Pow10(k), 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// legendHeadroom raises the top of the y axis so that a legend of n
// entries in the top corner sits above the data.
func legendHeadroom(p *plot.Plot, n int, h vg.Length) {
	if n == 0 {
		return
	}
	lineH := p.Legend.TextStyle.Height("Xg")
	legendH := vg.Length(n)*lineH + lineH/2
	dataH := h - vg.Points(80) // rough: minus title and x axis
	if dataH <= legendH {
		return
	}
	frac := min(0.45, float64(legendH/dataH))
	p.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/(1-frac)
}

// valueAt returns the y of the first point whose x equals at (to a relative
// tolerance of 1e-9).
func valueAt(pts plotter.XYs, at float64) (float64, bool) {
	for _, pt := range pts {
		if pt.X == at || math.Abs(pt.X-at) <= 1e-9*math.Max(math.Abs(pt.X), math.Abs(at)) {
			return pt.Y, true
		}
	}
	return 0, false
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// skippedNote returns a note about n skipped items, or "".
func skippedNote(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s(s) skipped", n, what)
}

// withNotes appends non-empty notes to a title on a second line.
func withNotes(title string, notes ...string) string {
	var ns []string
	for _, n := range notes {
		if n != "" {
			ns = append(ns, n)
		}
	}
	if len(ns) == 0 {
		return title
	}
	note := wrap("("+strings.Join(ns, "; ")+")", 80)
	if title == "" {
		return note
	}
	return title + "\n" + note
}

// wrap breaks s into lines of at most width runes at spaces (a longer word
// stays whole).
func wrap(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// newPlot returns a plot with the package's common styling.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Legend.Top = true
	p.Legend.Left = false
	return p
}

// gridLines returns light background grid lines.
func gridLines() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	return g
}

// fixRange widens a degenerate (zero-width) axis range so that a single
// value, or a constant series, is still drawn in the middle of the axis.
// For a log axis (coordinates are log10) it spans a factor of 2 each way.
func fixRange(a *plot.Axis, log bool) {
	if a.Min < a.Max {
		return
	}
	v := a.Min
	switch {
	case log:
		a.Min, a.Max = v-math.Log10(2), v+math.Log10(2)
	case v == 0:
		a.Min, a.Max = -1, 1
	default:
		d := math.Abs(v) * 0.1
		a.Min, a.Max = v-d, v+d
	}
}

// savePNG renders p at the given size into memory and writes it
// atomically. gonum/plot panics on some invalid input; such panics are
// returned as errors.
func savePNG(path string, p *plot.Plot, w, h vg.Length) error {
	return renderPNG(path, w, h, p.Draw)
}

// renderPNG calls drawFn on a w × h canvas (inside small outer margins),
// encodes it as a PNG in memory and writes it atomically. Panics while
// drawing (gonum/plot panics on some invalid input) are returned as errors.
func renderPNG(path string, w, h vg.Length, drawFn func(draw.Canvas)) (err error) {
	var buf bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("report: plot %s: rendering failed: %v", path, r)
			}
		}()
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PlotDPI))
		// Small outer margins so that the title and the last tick label
		// are not flush with the image border.
		m := vg.Points(6)
		drawFn(draw.Crop(draw.New(c), m, -m, m/2, -m))
		_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(&buf)
	}()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, func(wr io.Writer) error {
		_, err := wr.Write(buf.Bytes())
		return err
	})
}
