package reparam

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NeuronwiseScales returns the diagonal S of the per-neuron rescaling in which
// hidden unit j of hidden layer k (k = 0…K−2) is multiplied by c[k][j] > 0: its
// incoming column W_k[:,j] and its bias b_k[j] are multiplied by c[k][j], and its
// outgoing row W_{k+1}[j,:] by 1/c[k][j]. Combined, W_k[i,j] gets
// c[k][j]/c[k−1][i] (with c = 1 for inputs and outputs) and b_k[j] gets c[k][j].
//
// The function is preserved because the pre-activation of unit j becomes
// c[k][j]·z_j and ReLU(c z) = c ReLU(z) for c > 0; the next layer divides it out.
//
// c must have K−1 entries with len(c[k]) = Layers[k].Out.
func NeuronwiseScales(layout Layout, c [][]float64) ([]float64, error) {
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	K := layout.NumLayers()
	if len(c) != K-1 {
		return nil, fmt.Errorf("reparam: %d hidden-layer factor vectors for %d hidden layers", len(c), K-1)
	}
	for k := range c {
		if len(c[k]) != layout.Layers[k].Out {
			return nil, fmt.Errorf("reparam: hidden layer %d has %d units, got %d factors", k, layout.Layers[k].Out, len(c[k]))
		}
		for j, v := range c[k] {
			if !(v > 0) || math.IsInf(v, 1) {
				return nil, fmt.Errorf("reparam: factor c[%d][%d] = %v, want a positive finite number", k, j, v)
			}
		}
	}
	s := make([]float64, layout.Dim())
	for k, d := range layout.Layers {
		off := layout.WOffset(k)
		for i := 0; i < d.In; i++ {
			cin := 1.0
			if k > 0 {
				cin = c[k-1][i]
			}
			for j := 0; j < d.Out; j++ {
				cout := 1.0
				if k < K-1 {
					cout = c[k][j]
				}
				s[off+i*d.Out+j] = cout / cin
			}
		}
		if d.Bias {
			off += d.In * d.Out
			for j := 0; j < d.Out; j++ {
				cout := 1.0
				if k < K-1 {
					cout = c[k][j]
				}
				s[off+j] = cout
			}
		}
	}
	return s, nil
}

// Neuronwise returns NeuronwiseScales(layout, c) ⊙ theta as a new slice.
func Neuronwise(layout Layout, theta []float64, c [][]float64) ([]float64, error) {
	s, err := NeuronwiseScales(layout, c)
	if err != nil {
		return nil, err
	}
	return ApplyScales(theta, s)
}

// NeuronScales returns the diagonal of the rescaling of a single hidden unit
// (unit of layer layer) by c: see NeuronwiseScales. layer must be hidden,
// 0 ≤ layer < K−1, and c > 0.
func NeuronScales(layout Layout, layer, unit int, c float64) ([]float64, error) {
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	K := layout.NumLayers()
	if layer < 0 || layer >= K-1 {
		return nil, fmt.Errorf("reparam: layer %d is not hidden (hidden layers are 0…%d)", layer, K-2)
	}
	if unit < 0 || unit >= layout.Layers[layer].Out {
		return nil, fmt.Errorf("reparam: unit %d out of range [0,%d)", unit, layout.Layers[layer].Out)
	}
	f := ones(layout)
	f[layer][unit] = c
	return NeuronwiseScales(layout, f)
}

// Neuron returns θ with hidden unit unit of layer layer rescaled by c: the incoming
// column W_layer[:,unit] and bias b_layer[unit] multiplied by c, the outgoing row
// W_{layer+1}[unit,:] by 1/c. The function of the network is unchanged. c must be
// positive and layer hidden (0 ≤ layer < K−1).
func Neuron(layout Layout, theta []float64, layer, unit int, c float64) ([]float64, error) {
	s, err := NeuronScales(layout, layer, unit, c)
	if err != nil {
		return nil, err
	}
	return ApplyScales(theta, s)
}

// RandomNeuronFactors returns per-unit factors c[k][j] = exp(logStd·g), g ~ N(0,1)
// independent, for every hidden unit, drawn from a PCG generator seeded with seed
// (deterministic for a given seed and layout).
func RandomNeuronFactors(layout Layout, logStd float64, seed int64) ([][]float64, error) {
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	if logStd < 0 || math.IsNaN(logStd) || math.IsInf(logStd, 0) {
		return nil, fmt.Errorf("reparam: logStd = %v, want a finite non-negative number", logStd)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e6575726f6e73)) // "neurons"
	c := ones(layout)
	for k := range c {
		for j := range c[k] {
			c[k][j] = math.Exp(logStd * rng.NormFloat64())
		}
	}
	return c, nil
}

// RandomNeurons returns θ with every hidden unit rescaled by an independent
// log-normal factor exp(N(0, logStd²)) (see RandomNeuronFactors and Neuronwise).
func RandomNeurons(layout Layout, theta []float64, logStd float64, seed int64) ([]float64, error) {
	c, err := RandomNeuronFactors(layout, logStd, seed)
	if err != nil {
		return nil, err
	}
	return Neuronwise(layout, theta, c)
}

// ones returns unit factors for every hidden unit of layout.
func ones(layout Layout) [][]float64 {
	K := layout.NumLayers()
	c := make([][]float64, K-1)
	for k := range c {
		c[k] = make([]float64, layout.Layers[k].Out)
		for j := range c[k] {
			c[k][j] = 1
		}
	}
	return c
}
