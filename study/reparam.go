package study

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/reparam"
)

// Reparametrisation kinds.
const (
	// KindLayer is Dinh et al.'s layer-wise T_α: layer L's weights × α, the next
	// layer's (the previous, for the last layer) × 1/α, biases rescaled so the
	// function is unchanged (reparam.Layerwise, reparam.TwoLayerAlpha).
	KindLayer = "layer"
	// KindNeuron rescales the hidden units of layer L one by one: even units by
	// α, odd units by 1/α (incoming weights and bias × c, outgoing weights × 1/c).
	// It is not a layer-wise transform, so it separates measures that are
	// invariant under T_α only from those invariant under every rescaling.
	KindNeuron = "neuron"
)

// Transform returns the reparametrised θ of the given kind and α; layer is an
// index into s.Layers and must have parameters (for KindNeuron, be hidden: not
// the last layer with parameters). KindNeuron rescales a conv2d layer channel
// by channel.
func Transform(s graph.Spec, theta []float64, kind string, layer int, alpha float64) ([]float64, error) {
	switch kind {
	case KindLayer:
		i, err := reparam.ParamIndex(s, layer)
		if err != nil {
			return nil, err
		}
		a, err := reparam.TwoLayerAlpha(len(s.ParamLayers()), i, alpha)
		if err != nil {
			return nil, err
		}
		return reparam.Layerwise(s, theta, a)
	case KindNeuron:
		if !slices.Contains(reparam.Hidden(s), layer) {
			return nil, fmt.Errorf("study: neuron rescaling needs a hidden layer with parameters, one of %v; got %d", reparam.Hidden(s), layer)
		}
		c := reparam.Ones(s)
		for j := range c[layer] {
			c[layer][j] = alpha
			if j%2 == 1 {
				c[layer][j] = 1 / alpha
			}
		}
		return reparam.Neuronwise(s, theta, c)
	default:
		return nil, fmt.Errorf("study: unknown reparametrisation %q (want %s or %s)", kind, KindLayer, KindNeuron)
	}
}

// SweepSettings configure a reparametrisation sweep.
type SweepSettings struct {
	Alphas   []float64
	Kind     string // KindLayer or KindNeuron
	Layer    int    // the layer α acts on
	Measures MeasureSettings
	Chunk    int
	// Each, if set, is called with every transformed θ (to save the models).
	Each func(alpha float64, theta []float64) error
	// Progress, if set, receives one line per step.
	Progress func(string)
}

// SweepRow is one α of a sweep: reparam.json and reparam.csv rows.
type SweepRow struct {
	Alpha       float64  `json:"alpha"`
	Loss        float64  `json:"loss"`
	TrainAcc    float64  `json:"train_accuracy"`
	TestAcc     *float64 `json:"test_accuracy,omitempty"` // nil without a test set
	Equivalence float64  `json:"equivalence"`             // max|f_θ − f_Tθ| / max|f_θ| over train and test
	*Measures
}

// Sweep applies the reparametrisation for every α to θ and measures the
// result on train (the Hessian's samples) and test (accuracy only; test may be
// nil or empty).
func Sweep(s graph.Spec, theta []float64, train, test *datasets.Set, ss SweepSettings) ([]SweepRow, error) {
	ot, err := NewEngine(s, train, ss.Chunk)
	if err != nil {
		return nil, err
	}
	defer ot.Close()
	var oe Engine
	if test != nil && test.N > 0 {
		if oe, err = NewEngine(s, test, ss.Chunk); err != nil {
			return nil, err
		}
		defer oe.Close()
	}
	ref := func(th []float64) ([]float64, error) {
		a, err := ot.Logits(th)
		if err != nil || oe == nil {
			return a, err
		}
		b, err := oe.Logits(th)
		return append(a, b...), err
	}
	base, err := ref(theta)
	if err != nil {
		return nil, err
	}
	var rows []SweepRow
	for i, alpha := range ss.Alphas {
		say := func(msg string) {
			if ss.Progress != nil {
				ss.Progress(fmt.Sprintf("α=%g (%d/%d): %s", alpha, i+1, len(ss.Alphas), msg))
			}
		}
		th, err := Transform(s, theta, ss.Kind, ss.Layer, alpha)
		if err != nil {
			return nil, err
		}
		if ss.Each != nil {
			if err := ss.Each(alpha, th); err != nil {
				return nil, err
			}
		}
		out, err := ref(th)
		if err != nil {
			return nil, err
		}
		row := SweepRow{Alpha: alpha, Equivalence: reparam.Equivalence(base, out)}
		if oe != nil {
			_, acc, err := oe.Evaluate(th)
			if err != nil {
				return nil, err
			}
			row.TestAcc = &acc
		}
		ms := ss.Measures
		ms.Progress = say
		if row.Measures, err = ComputeMeasures(ot, train.Y, th, ms); err != nil {
			return nil, fmt.Errorf("study: α = %g: %w", alpha, err)
		}
		row.Loss, row.TrainAcc = row.Measures.Loss, row.Measures.Accuracy
		rows = append(rows, row)
	}
	return rows, nil
}

// AlphaName is the directory name of a transformed model: alpha_<α>.
func AlphaName(alpha float64) string {
	return "alpha_" + strconv.FormatFloat(alpha, 'g', -1, 64)
}

// column is one measure of a sweep, for tables and plots.
type column struct {
	name string
	get  func(r SweepRow) float64
}

// sweepColumns lists the measures of a sweep row in table order. eps is the ε
// of the ε-sharpness shown (the first one computed).
func sweepColumns(rows []SweepRow) []column {
	sharp := func(sub bool) func(r SweepRow) float64 {
		return func(r SweepRow) float64 {
			for _, s := range r.Sharpness {
				if (s.Subspace > 0) == sub {
					return s.Value
				}
			}
			return math.NaN()
		}
	}
	cols := []column{
		{"lambda_max", func(r SweepRow) float64 { return r.LambdaMax }},
		{"trace", func(r SweepRow) float64 { return r.Trace }},
		{"eps_sharpness", sharp(false)},
	}
	if len(rows) > 0 && len(rows[0].Sharpness) > 1 && rows[0].Sharpness[1].Subspace > 0 {
		cols = append(cols, column{"eps_sharpness_subspace", sharp(true)})
	}
	return append(cols,
		column{"flatness_radius_geomean", func(r SweepRow) float64 { return r.FlatnessGeoMean }},
		column{"asam", func(r SweepRow) float64 { return r.ASAM }},
		column{"asam_eta", func(r SweepRow) float64 { return r.ASAMEta }},
		column{"fisher_rao", func(r SweepRow) float64 { return r.FisherRao }},
		column{"normalized_trace", func(r SweepRow) float64 { return r.NormTrace }},
		column{"relative_flatness", func(r SweepRow) float64 { return r.RelFlatness }},
	)
}
