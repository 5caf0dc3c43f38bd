package reparam

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/minima-project/minima/graph"
)

// NeuronwiseScales returns the diagonal S of the per-unit rescaling in which
// output unit j of hidden layer k — a feature of a dense layer, a channel of a
// conv2d layer (the CNN form of a neuron) — is multiplied by c[k][j] > 0: its
// incoming weights and its bias are multiplied by c[k][j], and the next
// parametrised layer's weights that read it by 1/c[k][j] (through max-pooling,
// which keeps a channel's factor, and flattening, which repeats it over the
// channel's pixels). See graph.Spec.Rescaling.
//
// c has one entry per layer of spec (len(spec.Layers)); hidden layers are the
// layers with parameters but the last. Entries of other layers must be nil,
// and a nil entry of a hidden layer means all ones.
//
// The function is preserved because the pre-activation of unit j becomes
// c[k][j]·z_j and ReLU(c z) = c ReLU(z) for c > 0; the next layer divides it out.
func NeuronwiseScales(spec graph.Spec, c [][]float64) ([]float64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return spec.Rescaling(c)
}

// Neuronwise returns NeuronwiseScales(spec, c) ⊙ theta as a new slice.
func Neuronwise(spec graph.Spec, theta []float64, c [][]float64) ([]float64, error) {
	s, err := NeuronwiseScales(spec, c)
	if err != nil {
		return nil, err
	}
	return ApplyScales(theta, s)
}

// Hidden lists the hidden layers of spec: the layers with parameters but the
// last, whose units a per-unit rescaling may scale.
func Hidden(spec graph.Spec) []int {
	pl := spec.ParamLayers()
	if len(pl) == 0 {
		return nil
	}
	return pl[:len(pl)-1]
}

// checkHidden returns an error unless layer k of spec is hidden.
func checkHidden(spec graph.Spec, k int) error {
	if slices.Contains(Hidden(spec), k) {
		return nil
	}
	return fmt.Errorf("reparam: layer %d is not a hidden layer with parameters (those are %v)", k, Hidden(spec))
}

// NeuronScales returns the diagonal of the rescaling of a single unit of
// hidden layer layer by c: see NeuronwiseScales.
func NeuronScales(spec graph.Spec, layer, unit int, c float64) ([]float64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := checkHidden(spec, layer); err != nil {
		return nil, err
	}
	if unit < 0 || unit >= spec.Units(layer) {
		return nil, fmt.Errorf("reparam: unit %d out of range [0,%d)", unit, spec.Units(layer))
	}
	f := Ones(spec)
	f[layer][unit] = c
	return NeuronwiseScales(spec, f)
}

// Neuron returns θ with unit unit of hidden layer layer rescaled by c: its
// incoming weights and bias multiplied by c, its outgoing weights by 1/c. The
// function of the network is unchanged. c must be positive.
func Neuron(spec graph.Spec, theta []float64, layer, unit int, c float64) ([]float64, error) {
	s, err := NeuronScales(spec, layer, unit, c)
	if err != nil {
		return nil, err
	}
	return ApplyScales(theta, s)
}

// RandomNeuronFactors returns per-unit factors c[k][j] = exp(logStd·g), g ~ N(0,1)
// independent, for every unit of every hidden layer, drawn from a PCG generator
// seeded with seed (deterministic for a given seed and spec).
func RandomNeuronFactors(spec graph.Spec, logStd float64, seed int64) ([][]float64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if logStd < 0 || math.IsNaN(logStd) || math.IsInf(logStd, 0) {
		return nil, fmt.Errorf("reparam: logStd = %v, want a finite non-negative number", logStd)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e6575726f6e73)) // "neurons"
	c := Ones(spec)
	for _, k := range Hidden(spec) {
		for j := range c[k] {
			c[k][j] = math.Exp(logStd * rng.NormFloat64())
		}
	}
	return c, nil
}

// RandomNeurons returns θ with every hidden unit rescaled by an independent
// log-normal factor exp(N(0, logStd²)) (see RandomNeuronFactors and Neuronwise).
func RandomNeurons(spec graph.Spec, theta []float64, logStd float64, seed int64) ([]float64, error) {
	c, err := RandomNeuronFactors(spec, logStd, seed)
	if err != nil {
		return nil, err
	}
	return Neuronwise(spec, theta, c)
}

// Ones returns unit factors for every unit of every hidden layer of spec, nil
// for the other layers: the identity rescaling, to modify.
func Ones(spec graph.Spec) [][]float64 {
	c := make([][]float64, len(spec.Layers))
	for _, k := range Hidden(spec) {
		c[k] = make([]float64, spec.Units(k))
		for j := range c[k] {
			c[k][j] = 1
		}
	}
	return c
}
