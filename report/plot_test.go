package report

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// plotDir is where the plot tests write; set REPORT_PLOT_DIR to keep the
// images for inspection.
func plotDir(t *testing.T) string {
	if d := os.Getenv("REPORT_PLOT_DIR"); d != "" {
		os.MkdirAll(d, 0o755)
		return d
	}
	return t.TempDir()
}

// checkPNG decodes path and checks it is a reasonably sized image.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 400 || b.Dy() < 250 {
		t.Fatalf("%s: image %dx%d too small", path, b.Dx(), b.Dy())
	}
	// Not a blank canvas: some pixel differs from the top-left one.
	c0 := img.At(0, 0)
	for y := 0; y < b.Dy(); y += 3 {
		for x := 0; x < b.Dx(); x += 3 {
			if img.At(x, y) != c0 {
				return
			}
		}
	}
	t.Fatalf("%s: blank image", path)
}

func TestPlotEigenvalues(t *testing.T) {
	dir := plotDir(t)
	eigs := make([]float64, 300)
	for i := range eigs {
		eigs[i] = 0.01 * math.Sin(float64(i)) // bulk around 0
	}
	eigs[3], eigs[50], eigs[200] = 25, 12, 7 // outliers
	eigs[10] = -0.8
	eigs[11] = math.NaN()
	p := filepath.Join(dir, "eigs.png")
	if err := PlotEigenvalues(p, "Hessian spectrum", eigs); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	big := make([]float64, 20000)
	for i := range big {
		big[i] = math.Pow(float64(i)/20000, 8) * 100
	}
	p = filepath.Join(dir, "eigs_big.png")
	if err := PlotEigenvalues(p, "large", big); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	// Single and constant values still render.
	for name, v := range map[string][]float64{"one": {3}, "zeros": {0, 0, 0}} {
		p := filepath.Join(dir, "eigs_"+name+".png")
		if err := PlotEigenvalues(p, name, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkPNG(t, p)
	}

	p = filepath.Join(dir, "eigs_none.png")
	err := PlotEigenvalues(p, "none", []float64{math.NaN()})
	if !errors.Is(err, errNothingToPlot) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("failed plot created a file")
	}
}

func TestPlotDensity(t *testing.T) {
	dir := plotDir(t)
	n := 400
	grid := make([]float64, n)
	dens := make([]float64, n)
	for i := range grid {
		x := -1 + 31*float64(i)/float64(n-1)
		grid[i] = x
		dens[i] = math.Exp(-x*x/0.02)/math.Sqrt(0.02*math.Pi) + 1e-3*math.Exp(-(x-25)*(x-25)/0.5)
	}
	dens[5] = 0
	dens[6] = -1e-12
	dens[7] = math.NaN()
	p := filepath.Join(dir, "density.png")
	if err := PlotDensity(p, "spectral density", grid, dens); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	if err := PlotDensity(p, "x", grid, dens[:3]); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if err := PlotDensity(filepath.Join(dir, "d0.png"), "zeros", []float64{1, 2}, []float64{0, -1}); !errors.Is(err, errNothingToPlot) {
		t.Fatalf("all-zero density: %v", err)
	}
	// A constant density renders (degenerate log range).
	p = filepath.Join(dir, "density_flat.png")
	if err := PlotDensity(p, "flat", []float64{1, 2, 3}, []float64{0.5, 0.5, 0.5}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
}

func alphaSweep() ([]float64, []Series, []Series) {
	alphas := []float64{0.01, 0.1, 1, 10, 100}
	sharp := make([]float64, len(alphas))
	trace := make([]float64, len(alphas))
	acc := make([]float64, len(alphas))
	for i, a := range alphas {
		sharp[i] = 50 * a * a
		trace[i] = 300 / a
		acc[i] = 0.97
	}
	return alphas,
		[]Series{{Name: "λmax", X: alphas, Y: sharp}, {Name: "trace", X: alphas, Y: trace}},
		[]Series{{Name: "test accuracy", X: alphas, Y: acc}}
}

func TestPlotSeries(t *testing.T) {
	dir := plotDir(t)
	_, prim, sec := alphaSweep()

	p := filepath.Join(dir, "series_normalized.png")
	if err := PlotSeries(p, SeriesPlot{
		Title: "measures vs α", XLabel: "α", YLabel: "measure",
		LogX: true, LogY: true, Series: prim, Secondary: sec,
		Normalize: true, NormalizeAt: 1,
	}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	p = filepath.Join(dir, "series_scaled.png")
	if err := PlotSeries(p, SeriesPlot{
		Title: "measures vs α (raw)", XLabel: "α", YLabel: "measure",
		LogX: true, LogY: true, Series: prim, Secondary: sec,
	}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	p = filepath.Join(dir, "series_linear.png")
	if err := PlotSeries(p, SeriesPlot{
		Title: "linear", XLabel: "step", Series: []Series{{Name: "loss", X: []float64{3, 1, 2}, Y: []float64{0.5, 2, 1}}},
		Width: 400, Height: 300,
	}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
}

func TestPlotSeriesBadValues(t *testing.T) {
	dir := plotDir(t)
	x := []float64{-1, 0, 0.5, 1, 2, 4, math.NaN(), 8}
	y := []float64{1, 2, -3, 4, math.NaN(), math.Inf(1), 7, 0}
	p := filepath.Join(dir, "series_bad.png")
	if err := PlotSeries(p, SeriesPlot{
		Title: "bad values", LogX: true, LogY: true,
		Series:    []Series{{Name: "a", X: x, Y: y}, {Name: "neg", X: []float64{1, 2}, Y: []float64{-1, -2}}},
		Secondary: []Series{{Name: "b", X: []float64{1, 2, 4}, Y: []float64{0.5, 0, 0.25}}},
	}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	// Normalisation with a series lacking the reference point, or zero there.
	p = filepath.Join(dir, "series_bad_norm.png")
	if err := PlotSeries(p, SeriesPlot{
		LogY: true, Normalize: true, NormalizeAt: 1,
		Series: []Series{
			{Name: "ok", X: []float64{1, 2}, Y: []float64{2, 4}},
			{Name: "no ref", X: []float64{2, 3}, Y: []float64{2, 4}},
			{Name: "zero ref", X: []float64{1, 3}, Y: []float64{0, 4}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)

	// Nothing drawable: an error and no file.
	p = filepath.Join(dir, "series_none.png")
	err := PlotSeries(p, SeriesPlot{LogY: true, Series: []Series{{Name: "z", X: []float64{1, 2}, Y: []float64{0, -1}}}})
	if !errors.Is(err, errNothingToPlot) {
		t.Fatalf("err = %v", err)
	}
	if err := PlotSeries(p, SeriesPlot{}); !errors.Is(err, errNothingToPlot) {
		t.Fatalf("empty spec: %v", err)
	}
	if err := PlotSeries(p, SeriesPlot{Series: []Series{{Name: "m", X: []float64{1}, Y: nil}}}); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("failed plot created a file")
	}
}

func TestPlotAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "keep.png")
	os.WriteFile(p, []byte("old"), 0o644)
	if err := PlotEigenvalues(p, "x", nil); err == nil {
		t.Fatal("empty eigenvalues accepted")
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatal("failed plot modified the existing file")
	}
	if err := PlotEigenvalues(p, "x", []float64{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("leftovers %v", names)
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var ls []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" && tk.Value >= lo-1e-12 && tk.Value <= hi+1e-12 {
				ls = append(ls, tk.Label)
			}
		}
		return ls
	}
	if got := labels(-2, 2); len(got) != 5 || got[0] != "0.01" || got[4] != "100" {
		t.Fatalf("4 decades: %v", got)
	}
	if got := labels(-10, 0); len(got) < 3 || len(got) > 8 {
		t.Fatalf("10 decades: %v", got)
	}
	// Less than a decade still gets several labels.
	if got := labels(math.Log10(1.5), math.Log10(7)); len(got) < 3 {
		t.Fatalf("sub-decade: %v", got)
	}
	if got := (logTicks{}).Ticks(math.NaN(), 1); got != nil {
		t.Fatalf("NaN range: %v", got)
	}
}

func TestScaleSecondary(t *testing.T) {
	_, prim, sec := alphaSweep()
	mk := func() []curve {
		var cs []curve
		for _, s := range prim {
			cs = append(cs, curve{name: s.Name, pts: xys(s)})
		}
		return append(cs, curve{name: sec[0].Name, pts: xys(sec[0]), secondary: true})
	}
	cs := mk()
	scaleSecondary(cs, 0, true)
	// Primaries span 0.005 … 5e5 (centre ~10^1.7); accuracy 0.97 → ×100.
	if cs[2].name != "test accuracy ×100" || math.Abs(cs[2].pts[0].Y-97) > 1e-9 {
		t.Fatalf("log: %q %v", cs[2].name, cs[2].pts[0].Y)
	}
	cs = mk()
	scaleSecondary(cs, 0, false)
	// Linear: largest magnitudes 5e5 vs 0.97 → ×1e6.
	if cs[2].name != "test accuracy ×1e+06" {
		t.Fatalf("linear: %q", cs[2].name)
	}
	cs = mk()
	scaleSecondary(cs, 1, true)
	if cs[2].name != "test accuracy" || cs[2].pts[0].Y != 0.97 {
		t.Fatalf("explicit 1: %q", cs[2].name)
	}
}

func xys(s Series) plotter.XYs {
	out := make(plotter.XYs, len(s.X))
	for i := range s.X {
		out[i] = plotter.XY{X: s.X[i], Y: s.Y[i]}
	}
	return out
}
