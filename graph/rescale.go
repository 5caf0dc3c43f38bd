package graph

import (
	"fmt"
	"math"
)

// Rescaling returns the diagonal S (one factor per parameter, in flat order) of
// the positive rescaling in which output unit j of layer k — a feature of a
// dense layer, a channel of a conv2d layer — is multiplied by c[k][j].
//
// c has one entry per layer. For a layer with parameters other than the last
// such layer, c[k] holds Units() = the layer's output units positive finite
// factors, or is nil for all ones. Layers without parameters and the last
// layer with parameters take nil: the former pass their input's factors on
// (max-pooling keeps a channel's factor, flattening repeats it over the
// channel's pixels), the latter must leave the network's outputs unscaled.
//
// Each layer's parameters are scaled by its own rule (a weight by the factor
// of its output unit over that of its input unit, a bias by that of its
// output unit), so every activation between layers is scaled by c exactly:
// ReLU, max-pooling and flattening commute with positive factors, and
// θ ↦ S ⊙ θ leaves the network function unchanged. Layer-wise T_α (one factor
// per layer) and per-neuron or per-channel rescalings are special cases.
func (s Spec) Rescaling(c [][]float64) ([]float64, error) {
	shapes, err := s.Shapes()
	if err != nil {
		return nil, err
	}
	if len(c) != len(s.Layers) {
		return nil, fmt.Errorf("graph: rescaling has factors for %d layers, the network has %d", len(c), len(s.Layers))
	}
	pl := s.ParamLayers()
	last := -1
	if len(pl) > 0 {
		last = pl[len(pl)-1]
	}
	S := make([]float64, s.NumParams())
	params := s.layerParams(S)
	cin := ones(shapes[0].Units())
	for k, l := range s.Layers {
		var cout []float64
		if len(params[k]) > 0 {
			switch {
			case c[k] == nil:
				cout = ones(shapes[k+1].Units())
			case k == last:
				return nil, fmt.Errorf("graph: rescaling: layer %d is the network's output and cannot be rescaled", k)
			case len(c[k]) != shapes[k+1].Units():
				return nil, fmt.Errorf("graph: rescaling: layer %d has %d units, got %d factors", k, shapes[k+1].Units(), len(c[k]))
			default:
				for j, v := range c[k] {
					if !(v > 0) || math.IsInf(v, 1) {
						return nil, fmt.Errorf("graph: rescaling: factor %d of layer %d is %v, want a positive finite number", j, k, v)
					}
				}
				cout = c[k]
			}
		} else if c[k] != nil {
			return nil, fmt.Errorf("graph: rescaling: layer %d (%s) has no parameters to rescale", k, l.Kind())
		}
		cin = l.rescale(shapes[k], cin, cout, params[k])
	}
	return S, nil
}

// Units is the number of output units of layer k (features or channels), the
// length of its factors in Rescaling.
func (s Spec) Units(k int) int {
	shapes, err := s.Shapes()
	if err != nil || k < 0 || k >= len(s.Layers) {
		return 0
	}
	return shapes[k+1].Units()
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
