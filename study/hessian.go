package study

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
)

// Spectrum methods.
const (
	MethodLanczos = "lanczos"
	MethodExact   = "exact"
)

// HessianSettings selects what a Hessian report computes.
type HessianSettings struct {
	Method          string  // MethodLanczos or MethodExact
	Top, Bottom     int     // Lanczos: how many largest / smallest eigenvalues
	Tol             float64 // Lanczos: relative residual tolerance (0: measures default)
	MaxProducts     int     // Lanczos: product budget (0: measures default)
	ExactLimit      int     // exact: largest n allowed (0: measures.DefaultExactLimit)
	Trace           bool    // Hutchinson trace (exact trace with MethodExact)
	TraceProbes     int     // Hutchinson probes (0: measures default)
	Density         bool    // stochastic Lanczos quadrature density
	DensitySettings measures.DensitySettings
	// Seed seeds Lanczos, Hutchinson and the density (it replaces
	// DensitySettings.Seed); each draws its own stream from it
	// (measures/rng.go).
	Seed int64

	// Progress, if set, receives one line describing the current work.
	Progress func(string)
}

// NegativeSummary is the "negative" object of hessian.json: eigenvalues below
// −ZeroTol count as negative, above ZeroTol as positive; those within ±ZeroTol
// are numerically zero (rounding of the exact method, or within the Lanczos
// residual tolerance) and are in neither count. A Lanczos value within its own
// residual of 0 is in neither count either.
type NegativeSummary struct {
	Count         int     `json:"count"`
	Mass          float64 `json:"mass"`
	PositiveCount int     `json:"positive_count"`
	PositiveMass  float64 `json:"positive_mass"`
	ZeroTol       float64 `json:"zero_tol"`
	Computed      int     `json:"computed"` // eigenvalues the counts are over
}

// HessianResult is hessian.json. Fields are present when computed.
type HessianResult struct {
	Method          string           `json:"method"`
	Float32         bool             `json:"float32,omitempty"` // products in single precision (hessian --float32)
	Samples         int              `json:"samples"`
	Params          int              `json:"params"`
	Top             []float64        `json:"top"`    // descending; [] when none asked
	Bottom          []float64        `json:"bottom"` // ascending; [] when none asked
	TopResiduals    []float64        `json:"top_residuals"`
	BottomResiduals []float64        `json:"bottom_residuals"`
	Converged       *bool            `json:"converged,omitempty"`
	Eigenvalues     []float64        `json:"eigenvalues,omitempty"`
	Asymmetry       *float64         `json:"asymmetry,omitempty"`
	HVPs            int              `json:"hvps"`
	Seconds         float64          `json:"-"` // wall clock: timing.json, so results are byte-identical
	StartupSeconds  float64          `json:"-"` // process start to the spectrum's start, set by the caller: timing.json
	Trace           *float64         `json:"trace,omitempty"`
	TraceStdErr     *float64         `json:"trace_stderr,omitempty"`
	Outliers        *int             `json:"outliers,omitempty"` // absent when not determined
	OutliersNote    string           `json:"outliers_note,omitempty"`
	Negative        *NegativeSummary `json:"negative,omitempty"`

	// Density is not part of hessian.json (it goes to density.csv and .npy).
	Density *measures.DensityResult `json:"-"`
}

// Hessian computes the report on op, the Hessian of a mean loss over samples.
func Hessian(op measures.Operator, samples int, s HessianSettings) (*HessianResult, error) {
	start := time.Now()
	say := func(format string, a ...any) {
		if s.Progress != nil {
			s.Progress(fmt.Sprintf(format, a...))
		}
	}
	r := &HessianResult{Method: s.Method, Samples: samples, Params: op.Dim(),
		Top: []float64{}, Bottom: []float64{}, TopResiduals: []float64{}, BottomResiduals: []float64{}}
	var spectrum []float64 // what outliers and signs are counted on
	var resid []float64    // residual of each spectrum value (nil: exact)
	var zeroTol float64    // |λ| below this is numerically zero
	switch s.Method {
	case MethodExact:
		say("exact spectrum: %d Hessian-vector products", op.Dim())
		ex, err := measures.ExactSpectrum(op, &measures.ExactSettings{Limit: s.ExactLimit, Vectors: s.Top+s.Bottom > 0})
		if err != nil {
			return nil, err
		}
		r.Eigenvalues = ex.Values
		r.Asymmetry = &ex.Asymmetry
		r.HVPs += ex.Products
		n := len(ex.Values)
		// The reported ends, each with its residual ‖Hv − λv‖ recomputed by
		// an explicit product (an independent check of the dense path).
		residual := func(i int) (float64, error) {
			v := make([]float64, n)
			for j := range v {
				v[j] = ex.Vectors.At(j, i)
			}
			hv := make([]float64, n)
			if err := op.Apply(hv, v); err != nil {
				return 0, err
			}
			r.HVPs++
			ss := 0.0
			for j := range hv {
				d := hv[j] - ex.Values[i]*v[j]
				ss += d * d
			}
			return math.Sqrt(ss), nil
		}
		for i := 0; i < min(s.Top, n); i++ {
			res, err := residual(n - 1 - i)
			if err != nil {
				return nil, err
			}
			r.Top, r.TopResiduals = append(r.Top, ex.Values[n-1-i]), append(r.TopResiduals, res)
		}
		for i := 0; i < min(s.Bottom, n); i++ {
			res, err := residual(i)
			if err != nil {
				return nil, err
			}
			r.Bottom, r.BottomResiduals = append(r.Bottom, ex.Values[i]), append(r.BottomResiduals, res)
		}
		if s.Trace {
			t := 0.0
			for _, v := range ex.Values {
				t += v
			}
			r.Trace = &t
		}
		spectrum = ex.Values
		// Rounding in the dense symmetric eigensolver: ~n·ε·‖H‖.
		zeroTol = float64(n) * 2.3e-16 * max(math.Abs(ex.Values[0]), math.Abs(ex.Values[n-1]))
	case MethodLanczos:
		ls := &measures.LanczosSettings{Top: s.Top, Bottom: s.Bottom, Tol: s.Tol, MaxProducts: s.MaxProducts, Seed: s.Seed, Verify: true}
		ls.Progress = func(st measures.LanczosStatus) {
			say("lanczos: %d products, %d/%d converged, worst residual %.2g", st.Products, st.Converged, st.Requested, st.Worst)
		}
		lr, err := measures.Lanczos(op, ls)
		if err != nil {
			return nil, err
		}
		r.Top = append(r.Top, lr.Top...) // stay non-nil: [] in JSON when none asked
		r.Bottom = append(r.Bottom, lr.Bottom...)
		r.TopResiduals = append(r.TopResiduals, lr.TopResiduals...)
		r.BottomResiduals = append(r.BottomResiduals, lr.BottomResiduals...)
		r.Converged = &lr.Converged
		r.HVPs += lr.Products
		// Top and Bottom are the ends of the same Dim Ritz values: when they
		// overlap, count each Ritz value once.
		nb := max(0, min(len(lr.Bottom), lr.Dim-len(lr.Top)))
		spectrum = append(slices.Clone(lr.Top), lr.Bottom[:nb]...)
		resid = append(slices.Clone(lr.TopResiduals), lr.BottomResiduals[:nb]...)
		zeroTol = ls.Tol * lr.Scale
		if ls.Tol == 0 {
			zeroTol = measures.DefaultLanczosTol * lr.Scale
		}
		if s.Trace {
			say("trace: Hutchinson")
			tr, err := measures.Hutchinson(op, &measures.TraceSettings{Samples: s.TraceProbes, Seed: s.Seed})
			if err != nil {
				return nil, err
			}
			r.Trace, r.TraceStdErr = &tr.Trace, &tr.StdErr
			r.HVPs += tr.Products
		}
	default:
		return nil, fmt.Errorf("study: unknown method %q (want %s or %s)", s.Method, MethodLanczos, MethodExact)
	}
	if len(spectrum) > 0 {
		if r.Eigenvalues != nil {
			k, _ := measures.Outliers(spectrum, nil)
			r.Outliers = &k
		} else if k, ratio := lanczosOutliers(r.Top); k > 0 && ratio >= measures.DefaultOutlierMinRatio {
			// Lanczos: only a gap inside the computed top list counts, with at
			// least one computed eigenvalue on the bulk side of it.
			r.Outliers = &k
		} else {
			r.OutliersNote = "not determined: no gap inside the top list; raise --top until it reaches the bulk, or use --method exact"
		}
		// A value counts as signed only when it is farther from 0 than both
		// the numerical zero and its own residual (an unconverged Ritz value
		// may be off by its residual).
		var nonzero []float64
		for i, v := range spectrum {
			tol := zeroTol
			if resid != nil {
				tol = max(tol, resid[i])
			}
			if math.Abs(v) > tol {
				nonzero = append(nonzero, v)
			}
		}
		ns := measures.NegativeSummary(nonzero)
		r.Negative = &NegativeSummary{Count: ns.Count, Mass: ns.Mass, PositiveCount: ns.PositiveCount, PositiveMass: ns.PositiveMass, ZeroTol: zeroTol, Computed: len(spectrum)}
	}
	if s.Density {
		say("density: stochastic Lanczos quadrature")
		ds := s.DensitySettings
		ds.Seed = s.Seed
		d, err := measures.SpectralDensity(op, &ds)
		if err != nil {
			return nil, err
		}
		r.Density = d
		r.HVPs += d.Products
	}
	r.Seconds = math.Round(time.Since(start).Seconds()*1000) / 1000
	return r, nil
}

// WriteHessian writes hessian.json, eigenvalues.csv and the plots into ad.
// eigenvalues.csv has one row per eigenvalue known: the exact spectrum
// (index, value), or the Lanczos ends (which, rank, value, residual).
func WriteHessian(ad *report.AtomicDir, r *HessianResult) error {
	if err := report.WriteTiming(ad, report.Timing{Seconds: r.Seconds, StartupSeconds: r.StartupSeconds}); err != nil {
		return err
	}
	if err := report.WriteJSON(ad.Path("hessian.json"), r); err != nil {
		return err
	}
	t := &report.Table{Columns: []string{"which", "rank", "eigenvalue", "residual"}}
	if r.Eigenvalues != nil {
		t.Columns = []string{"index", "eigenvalue"}
		for i, v := range r.Eigenvalues {
			t.Rows = append(t.Rows, []any{i, v})
		}
	} else {
		for i, v := range r.Top {
			t.Rows = append(t.Rows, []any{"top", i + 1, v, r.TopResiduals[i]})
		}
		for i, v := range r.Bottom {
			t.Rows = append(t.Rows, []any{"bottom", i + 1, v, r.BottomResiduals[i]})
		}
	}
	if err := report.WriteCSV(ad.Path("eigenvalues.csv"), t); err != nil {
		return err
	}
	plotted := r.Eigenvalues
	title := "Hessian eigenvalues (" + strconv.Itoa(r.Params) + " parameters)"
	if plotted == nil {
		plotted = append(slices.Clone(r.Bottom), r.Top...)
		title = "Hessian eigenvalues: Lanczos ends"
	}
	if len(plotted) > 0 {
		if err := report.PlotEigenvalues(ad.Path("eigenvalues.png"), title, plotted); err != nil {
			return err
		}
	}
	if d := r.Density; d != nil {
		dt := &report.Table{Columns: []string{"lambda", "density"}}
		for i := range d.Grid {
			dt.Rows = append(dt.Rows, []any{d.Grid[i], d.Density[i]})
		}
		if err := report.WriteCSV(ad.Path("density.csv"), dt); err != nil {
			return err
		}
		if err := report.PlotDensity(ad.Path("density.png"), "Hessian spectral density (SLQ)", d.Grid, d.Density); err != nil {
			return err
		}
		// Raw quadrature nodes and weights, runs × steps. A run that broke
		// down early (an invariant subspace) has fewer nodes: its row is
		// padded with NaN nodes of weight 0.
		width := 0
		for _, ns := range d.Nodes {
			width = max(width, len(ns))
		}
		nodes := make([]float64, 0, len(d.Nodes)*width)
		weights := make([]float64, 0, len(d.Nodes)*width)
		for i := range d.Nodes {
			nodes = append(nodes, d.Nodes[i]...)
			weights = append(weights, d.Weights[i]...)
			for j := len(d.Nodes[i]); j < width; j++ {
				nodes = append(nodes, math.NaN())
				weights = append(weights, 0)
			}
		}
		if err := report.WriteNpyFloat64(ad.Path("density_nodes.npy"), nodes, len(d.Nodes), width); err != nil {
			return err
		}
		if err := report.WriteNpyFloat64(ad.Path("density_weights.npy"), weights, len(d.Nodes), width); err != nil {
			return err
		}
	}
	return nil
}

// lanczosOutliers applies the outlier rule (measures.Outliers) to a top list
// alone. The count is settled only when the largest gap inside the list is at
// least as large as any gap the unseen rest of the spectrum could hold: that
// is at most max(top[last], f)/f with the rule's bulk floor f. Otherwise it
// returns 0 (not determined).
func lanczosOutliers(top []float64) (int, float64) {
	if len(top) < 2 || !(top[0] > 0) {
		return 0, 0
	}
	k, ratio := measures.Outliers(top, &measures.OutlierSettings{Max: len(top) - 1})
	f := measures.DefaultOutlierFloor * top[0]
	if ratio < max(top[len(top)-1], f)/f {
		return 0, 0
	}
	return k, ratio
}

// HessianSummary is a short human-readable account of r.
func HessianSummary(r *HessianResult) string {
	s := fmt.Sprintf("Hessian of the mean loss over %d samples, %d parameters, %s: %d HVPs in %.1f s\n",
		r.Samples, r.Params, r.Method, r.HVPs, r.Seconds)
	t := &report.Table{Columns: []string{"which", "rank", "eigenvalue", "residual"}}
	for i, v := range r.Top {
		res := any("")
		if i < len(r.TopResiduals) {
			res = r.TopResiduals[i]
		}
		t.Rows = append(t.Rows, []any{"top", i + 1, v, res})
	}
	for i, v := range r.Bottom {
		res := any("")
		if i < len(r.BottomResiduals) {
			res = r.BottomResiduals[i]
		}
		t.Rows = append(t.Rows, []any{"bottom", i + 1, v, res})
	}
	s += report.Text(t)
	if r.Converged != nil && !*r.Converged {
		s += "warning: not every eigenvalue reached the tolerance (raise --max-hvps)\n"
	}
	if r.Trace != nil {
		if r.TraceStdErr != nil {
			s += fmt.Sprintf("trace %.6g ± %.2g (standard error)\n", *r.Trace, *r.TraceStdErr)
		} else {
			s += fmt.Sprintf("trace %.6g (exact)\n", *r.Trace)
		}
	}
	if r.OutliersNote != "" {
		s += "outliers: " + r.OutliersNote + "\n"
	}
	if r.Outliers != nil {
		s += fmt.Sprintf("outliers above the bulk: %d\n", *r.Outliers)
	}
	if r.Negative != nil {
		s += fmt.Sprintf("negative eigenvalues: %d (mass %.3g) of %d computed, |λ| ≤ %.2g counted as zero\n",
			r.Negative.Count, r.Negative.Mass, r.Negative.Computed, r.Negative.ZeroTol)
	}
	return s
}
