package study

import (
	"cmp"
	"fmt"
	"math"
	"time"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
)

// MeasureSettings selects and configures the measures of a minimum.
type MeasureSettings struct {
	// Eps are the ε of ε-sharpness (Keskar et al.'s 1e-3 and 5e-4 by default).
	Eps []float64
	// Subspace p > 0 also computes ε-sharpness in a random p-dimensional
	// subspace (Keskar et al.'s A ∈ R^{n×p}); 0 computes the full space only.
	Subspace int
	// SharpnessIters bounds the box-constrained ascent (0: measures default, 10).
	SharpnessIters int
	// FlatnessEps is the loss increase that bounds the ε-flatness region
	// (0: measures.DefaultFlatnessEps).
	FlatnessEps float64
	// FlatnessDirections random directions (0: measures default) for the
	// geometric-mean radius; the top Hessian eigenvector is measured apart.
	FlatnessDirections int
	// TraceProbes is the number of Rademacher probes of the trace estimates.
	TraceProbes int
	// TopK is the number of largest Hessian eigenvalues reported (λ_max is the
	// first); 0 means 5.
	TopK int
	// LambdaTol is the Lanczos tolerance for them (0: measures default).
	LambdaTol float64
	// RelFlatLayer is the layer whose incoming weights relative flatness uses;
	// −1 means the last layer (Petzka et al. use the feature layer).
	RelFlatLayer int // must be a dense layer
	// Seed seeds every randomised measure. Each estimator of package measures
	// draws its own stream from it (measures/rng.go), so one seed serves all.
	Seed int64
	// Progress, if set, receives one line per measure started.
	Progress func(string)
}

// DefaultMeasureSettings are the settings `minima sharpness` starts from.
func DefaultMeasureSettings() MeasureSettings {
	return MeasureSettings{Eps: []float64{1e-3, 5e-4}, Subspace: 100, TraceProbes: 50, TopK: 5, RelFlatLayer: -1, Seed: 1}
}

// SharpnessValue is one ε-sharpness.
type SharpnessValue struct {
	Eps      float64 `json:"eps"`
	Subspace int     `json:"subspace"` // p; 0 for the full space (A = I)
	Value    float64 `json:"value"`    // φ, in percent
	MaxLoss  float64 `json:"max_loss"`
}

// Measures are the numbers about one minimum, measures.json.
type Measures struct {
	Samples  int     `json:"samples"`
	Params   int     `json:"params"`
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`

	LambdaMax          float64   `json:"lambda_max"`
	LambdaMaxResidual  float64   `json:"lambda_max_residual"`
	LambdaMaxConverged bool      `json:"lambda_max_converged"` // every top-k residual within tolerance
	TopK               []float64 `json:"top_k"`                // largest eigenvalues, descending
	TopKResiduals      []float64 `json:"top_k_residuals"`      // ‖Hv − λv‖ of each, explicit
	Trace              float64   `json:"trace"`
	TraceStdErr        float64   `json:"trace_stderr"`

	Sharpness []SharpnessValue `json:"sharpness"`

	FlatnessEps       float64 `json:"flatness_eps"`
	FlatnessGeoMean   float64 `json:"flatness_radius_geomean"`
	FlatnessTopRadius float64 `json:"flatness_radius_top_eigvec"`
	FlatnessLogVolume float64 `json:"flatness_log_volume"`

	ASAM        float64 `json:"asam"`       // η = 0: exactly scale-invariant
	ASAMEta     float64 `json:"asam_eta"`   // η = DefaultASAMEta, as Kwon et al.
	ASAMRho     float64 `json:"asam_rho"`   // ρ used by both
	FisherRao   float64 `json:"fisher_rao"` // empirical ‖θ‖²_fr
	FisherRaoM  float64 `json:"fisher_rao_model"`
	NormTrace   float64 `json:"normalized_trace"`  // Σ_k ‖θ_k‖² Tr(H_kk)/n_k
	RelFlatness float64 `json:"relative_flatness"` // κ of RelFlatLayer
	RelFlatErr  float64 `json:"relative_flatness_stderr"`

	HVPs    int     `json:"hvps"`
	Seconds float64 `json:"-"` // wall clock: timing.json, so results are byte-identical
}

// directionalLogits returns J·θ = d/dt f_{(1+t)θ}(x) at t = 0 for every sample,
// by central differences along the ray: f is piecewise polynomial in t there, so
// with h = 1e-4 the error is O(h²) relative. For bias-free nets it equals K·f.
func directionalLogits(o Engine, theta []float64) ([]float64, error) {
	const h = 1e-4
	tp, tm := make([]float64, len(theta)), make([]float64, len(theta))
	for i, v := range theta {
		tp[i], tm[i] = v*(1+h), v*(1-h)
	}
	fp, err := o.Logits(tp)
	if err != nil {
		return nil, err
	}
	fm, err := o.Logits(tm)
	if err != nil {
		return nil, err
	}
	for i := range fp {
		fp[i] = (fp[i] - fm[i]) / (2 * h)
	}
	return fp, nil
}

// ComputeMeasures evaluates every measure of the minimum θ of o, the mean loss
// of a network over its samples (labels are needed for Fisher–Rao).
func ComputeMeasures(o Engine, labels []int, theta []float64, s MeasureSettings) (*Measures, error) {
	say := func(format string, a ...any) {
		if s.Progress != nil {
			s.Progress(fmt.Sprintf(format, a...))
		}
	}
	spec := o.Spec()
	var err error
	start, t0 := o.ProductCount(), time.Now()
	m := &Measures{Samples: o.Samples(), Params: o.Dim()}
	if m.Loss, m.Accuracy, err = o.Evaluate(theta); err != nil {
		return nil, err
	}
	if math.IsNaN(m.Loss) || math.IsInf(m.Loss, 0) {
		return nil, fmt.Errorf("study: loss is %v at θ", m.Loss)
	}
	op := newHessianOp(o, theta)

	k := s.TopK
	if k <= 0 {
		k = 5
	}
	say("top-%d eigenvalues (Lanczos)", k)
	lr, err := measures.Lanczos(op, &measures.LanczosSettings{Top: k, Tol: s.LambdaTol, Seed: s.Seed, Verify: true})
	if err != nil {
		return nil, err
	}
	m.LambdaMax, m.LambdaMaxResidual, m.LambdaMaxConverged = lr.Top[0], lr.TopResiduals[0], lr.Converged
	m.TopK, m.TopKResiduals = lr.Top, lr.TopResiduals

	say("trace (Hutchinson)")
	tr, err := measures.Hutchinson(op, &measures.TraceSettings{Samples: s.TraceProbes, Seed: s.Seed})
	if err != nil {
		return nil, err
	}
	m.Trace, m.TraceStdErr = tr.Trace, tr.StdErr

	for _, eps := range s.Eps {
		subspaces := []int{0}
		if s.Subspace > 0 && s.Subspace < o.Dim() { // p ≥ n: the full space is the subspace
			subspaces = append(subspaces, s.Subspace)
		}
		for _, p := range subspaces {
			say("ε-sharpness ε=%g p=%d", eps, p)
			sr, err := measures.Sharpness(o, theta, &measures.SharpnessSettings{Eps: eps, Subspace: p, Seed: s.Seed, MaxIter: s.SharpnessIters, RandomStart: true})
			if err != nil {
				return nil, err
			}
			m.Sharpness = append(m.Sharpness, SharpnessValue{Eps: eps, Subspace: p, Value: sr.Sharpness, MaxLoss: sr.MaxLoss})
		}
	}

	say("ε-flatness")
	// Random directions for the geometric mean and the log-volume proxy; the
	// top eigenvector (the sharpest direction) separately.
	dirs := s.FlatnessDirections
	if dirs <= 0 {
		dirs = measures.DefaultFlatnessDirections
	}
	fr, err := measures.Flatness(o, theta, &measures.FlatnessSettings{Eps: s.FlatnessEps, Directions: dirs, Seed: s.Seed})
	if err != nil {
		return nil, err
	}
	ft, err := measures.Flatness(o, theta, &measures.FlatnessSettings{Eps: s.FlatnessEps, Extra: [][]float64{lr.TopVectors[0]}})
	if err != nil {
		return nil, err
	}
	m.FlatnessEps = cmp.Or(s.FlatnessEps, measures.DefaultFlatnessEps)
	m.FlatnessGeoMean, m.FlatnessLogVolume = fr.GeoMean, fr.LogVolume
	m.FlatnessTopRadius = ft.Radii[0]

	say("adaptive sharpness (ASAM)")
	as := measures.ASAMSettings{Seed: s.Seed} // default ρ and η
	if ar, err := measures.ASAM(o, theta, &as); err != nil {
		return nil, err
	} else {
		m.ASAMEta, m.ASAMRho = ar.Sharpness, ar.Rho
	}
	as.Eta = -1 // η = 0
	if ar, err := measures.ASAM(o, theta, &as); err != nil {
		return nil, err
	} else {
		m.ASAM = ar.Sharpness
	}

	say("Fisher–Rao norm")
	logits, err := o.Logits(theta)
	if err != nil {
		return nil, err
	}
	var frr *measures.FisherRaoResult
	if spec.HasBias() {
		jvp, err := directionalLogits(o, theta)
		if err != nil {
			return nil, err
		}
		frr, err = measures.FisherRaoJVP(logits, jvp, labels, spec.Outputs(), spec.Loss)
		if err != nil {
			return nil, err
		}
	} else if frr, err = measures.FisherRao(logits, labels, spec.Outputs(), measures.FisherRaoSettings{Loss: spec.Loss, Depth: len(spec.ParamLayers())}); err != nil {
		return nil, err
	}
	m.FisherRao, m.FisherRaoM = frr.Empirical, frr.Model

	say("normalised trace")
	var blocks [][2]int // every parameter array: T_α scales each by one factor
	for _, p := range spec.Params() {
		blocks = append(blocks, [2]int{p.Offset, p.Size})
	}
	bt, err := measures.BlockTraces(op, blocks, &measures.BlockTraceSettings{Samples: s.TraceProbes, Seed: s.Seed, ExactBelow: 64})
	if err != nil {
		return nil, err
	}
	if m.NormTrace, err = measures.NormalizedTrace(theta, blocks, bt.Trace); err != nil {
		return nil, err
	}

	say("relative flatness")
	feat, err := featureLayer(spec, s.RelFlatLayer)
	if err != nil {
		return nil, err
	}
	rf, err := measures.RelativeFlatness(op, theta, feat.Offset, feat.Shape[0], feat.Shape[1],
		&measures.RelativeFlatnessSettings{Samples: s.TraceProbes, Seed: s.Seed})
	if err != nil {
		return nil, err
	}
	m.RelFlatness, m.RelFlatErr = rf.Kappa, rf.StdErr
	m.HVPs = o.ProductCount() - start
	m.Seconds = math.Round(time.Since(t0).Seconds()*1000) / 1000
	return m, nil
}

// featureLayer returns the weights of the dense layer relative flatness is
// measured on: layer k, or the last layer when k < 0 (Petzka et al. use the
// layer that reads the features).
func featureLayer(spec graph.Spec, k int) (graph.Param, error) {
	if k < 0 || k >= len(spec.Layers) {
		k = len(spec.Layers) - 1
	}
	if _, ok := spec.Layers[k].(*graph.Dense); ok {
		for _, p := range spec.Params() {
			if p.Layer == k && !p.Bias {
				return p, nil
			}
		}
	}
	return graph.Param{}, fmt.Errorf("study: relative flatness needs a dense layer; layer %d is %s", k, spec.Layers[k].Kind())
}

// MeasuresSummary is a table of m for a terminal.
func MeasuresSummary(m *Measures) string {
	t := &report.Table{Columns: []string{"measure", "value"}}
	add := func(name string, v float64) { t.Rows = append(t.Rows, []any{name, v}) }
	add("loss", m.Loss)
	add("accuracy", m.Accuracy)
	for i, v := range m.TopK {
		name := fmt.Sprintf("lambda_%d", i+1)
		if i == 0 {
			name = "lambda_max"
		}
		add(name, v)
	}
	add("trace", m.Trace)
	for _, s := range m.Sharpness {
		name := fmt.Sprintf("eps-sharpness eps=%g full", s.Eps)
		if s.Subspace > 0 {
			name = fmt.Sprintf("eps-sharpness eps=%g p=%d", s.Eps, s.Subspace)
		}
		add(name, s.Value)
	}
	add("eps-flatness radius (geomean)", m.FlatnessGeoMean)
	add("eps-flatness radius (top eigvec)", m.FlatnessTopRadius)
	add("ASAM (eta=0)", m.ASAM)
	add("ASAM (eta=0.01)", m.ASAMEta)
	add("Fisher-Rao norm^2", m.FisherRao)
	add("normalised trace", m.NormTrace)
	add("relative flatness", m.RelFlatness)
	s := fmt.Sprintf("measures over %d samples, %d parameters (%d HVPs, %.1f s)\n", m.Samples, m.Params, m.HVPs, m.Seconds) + report.Text(t)
	if !m.LambdaMaxConverged {
		s += fmt.Sprintf("warning: the top eigenvalues did not all reach their tolerance (λ_max residual %.3g)\n", m.LambdaMaxResidual)
	}
	return s
}
