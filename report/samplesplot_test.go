package report

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// decodePNG reads path as a PNG image.
func decodePNG(t *testing.T, path string) image.Image {
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
	return img
}

// pixels is the number of pixels a length spans at PlotDPI, rounded as
// vgimg rounds the image size.
func pixels(l vg.Length) int { return int(float64(l/vg.Inch)*PlotDPI + 0.5) }

// hasColour reports whether some pixel of img is exactly c.
func hasColour(img image.Image, c color.Color) bool {
	r0, g0, b0, a0 := c.RGBA()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, b, a := img.At(x, y).RGBA(); r == r0 && g == g0 && b == b0 && a == a0 {
				return true
			}
		}
	}
	return false
}

// seedSamples is 3 seeds' values of a measure at batch sizes 10 and 256.
func seedSamples(name string, lo, hi float64) Samples {
	return Samples{Name: name, X: []float64{10, 256}, Y: [][]float64{{lo, 1.5 * lo, 0.7 * lo}, {hi, 2 * hi, 0.5 * hi}}}
}

// TestPlotSamplesSize checks that a grid of panels (rows of different
// lengths, an empty cell) is a PNG of the requested size.
func TestPlotSamplesSize(t *testing.T) {
	p := filepath.Join(plotDir(t), "samples_grid.png")
	spec := SamplesPlot{Title: "measures\nagainst the batch size", SampleLabel: "one seed", MeanLabel: "mean over seeds",
		Width: 24 * vg.Centimeter, Height: 13 * vg.Centimeter,
		Rows: [][]SamplesPanel{
			{{Title: "a", XLabel: "batch size", LogX: true, LogY: true, DataXTicks: true, Groups: []Samples{seedSamples("classical", 0.01, 10)}},
				{}, {Title: "b", LogX: true, LogY: true, DataXTicks: true, Groups: []Samples{seedSamples("invariant", 1e-5, 1e-3)}}},
			{{Title: "c", ZeroLine: true, Dodge: 0.1, Groups: []Samples{seedSamples("classical", -0.1, 0.2), seedSamples("invariant", -1, 1)}}},
		}}
	if err := PlotSamples(p, spec); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
	b := decodePNG(t, p).Bounds()
	wantW, wantH := pixels(24*vg.Centimeter), pixels(13*vg.Centimeter)
	if b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("image %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
}

// TestPlotSamplesDefaultSize checks that a zero Width and Height give the
// package's default plot size.
func TestPlotSamplesDefaultSize(t *testing.T) {
	p := filepath.Join(plotDir(t), "samples_default.png")
	if err := PlotSamples(p, SamplesPlot{Rows: [][]SamplesPanel{{{XLabel: "rank", LogY: true, Groups: []Samples{seedSamples("batch 10", 1, 5)}}}}}); err != nil {
		t.Fatal(err)
	}
	b := decodePNG(t, p).Bounds()
	if wantW, wantH := pixels(DefaultPlotWidth), pixels(DefaultPlotHeight); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("image %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
}

// TestPlotSamplesGroupColours checks that groups named alike share a
// colour across panels and that each distinct name's colour is drawn.
func TestPlotSamplesGroupColours(t *testing.T) {
	p := filepath.Join(plotDir(t), "samples_colours.png")
	spec := SamplesPlot{Rows: [][]SamplesPanel{{
		{LogY: true, Groups: []Samples{seedSamples("a", 1, 10)}},
		{LogY: true, Groups: []Samples{seedSamples("a", 2, 20), seedSamples("b", 3, 30)}},
	}}}
	if err := PlotSamples(p, spec); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, p)
	for k, name := range []string{"a", "b"} {
		if !hasColour(img, plotutil.DarkColors[k]) {
			t.Errorf("group %q: colour %v not drawn", name, plotutil.DarkColors[k])
		}
	}
	if hasColour(img, plotutil.DarkColors[2]) {
		t.Errorf("a third colour drawn for two group names")
	}
}

// TestPlotSamplesBadValues checks that NaN, infinite and non-positive
// samples on log axes are skipped without an error.
func TestPlotSamplesBadValues(t *testing.T) {
	p := filepath.Join(plotDir(t), "samples_bad.png")
	g := Samples{Name: "g", X: []float64{-1, 1, 2, math.NaN()}, Y: [][]float64{{1}, {math.NaN(), 2, -3}, {math.Inf(1), 0}, {4}}}
	if err := PlotSamples(p, SamplesPlot{Rows: [][]SamplesPanel{{{LogX: true, LogY: true, DataXTicks: true, Groups: []Samples{g}}}}}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
}

// TestPlotSamplesNothingDrawable checks that a plot without a drawable
// sample is an error and leaves no file.
func TestPlotSamplesNothingDrawable(t *testing.T) {
	p := filepath.Join(plotDir(t), "samples_none.png")
	none := Samples{Name: "z", X: []float64{1, 2}, Y: [][]float64{{0, -1}, {math.NaN()}}}
	for name, spec := range map[string]SamplesPlot{
		"empty":        {},
		"empty panels": {Rows: [][]SamplesPanel{{{}, {}}}},
		"non-positive": {Rows: [][]SamplesPanel{{{LogY: true, Groups: []Samples{none}}}}},
	} {
		if err := PlotSamples(p, spec); !errors.Is(err, errNothingToPlot) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("failed plot created a file")
	}
}

// TestPlotSamplesLengthMismatch checks that a group with fewer sample
// lists than x values is refused.
func TestPlotSamplesLengthMismatch(t *testing.T) {
	g := Samples{Name: "m", X: []float64{1, 2}, Y: [][]float64{{1}}}
	if err := PlotSamples(filepath.Join(t.TempDir(), "m.png"), SamplesPlot{Rows: [][]SamplesPanel{{{Groups: []Samples{g}}}}}); err == nil {
		t.Fatal("length mismatch accepted")
	}
}

// TestPlotSamplesPanelWithoutSamples checks that a panel whose samples
// cannot be drawn does not stop the others from being drawn.
func TestPlotSamplesPanelWithoutSamples(t *testing.T) {
	p := filepath.Join(plotDir(t), "samples_one_empty.png")
	none := Samples{Name: "z", X: []float64{1, 2}, Y: [][]float64{{0, -1}, {math.NaN()}}}
	spec := SamplesPlot{Rows: [][]SamplesPanel{{
		{LogY: true, Groups: []Samples{seedSamples("a", 1, 10)}},
		{LogX: true, LogY: true, DataXTicks: true, Groups: []Samples{none}},
	}}}
	if err := PlotSamples(p, spec); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p)
}
