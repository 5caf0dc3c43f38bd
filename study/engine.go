package study

import (
	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
)

// Engine is what the studies need of a network's mean loss over a fixed
// sample set: values, gradients, Hessian-vector products and outputs. The
// gorgonia engine (*graph.Objective) is one; a faster engine or another
// precision plugs in through NewEngine without touching this package.
type Engine interface {
	// Dim is the number of parameters; Samples the number of samples.
	Dim() int
	Samples() int
	// Spec is the network (its layers, for the measures that ask them).
	Spec() graph.Spec
	Loss(theta []float64) (float64, error)
	LossGrad(grad, theta []float64) (float64, error)
	// HVP writes H(θ)·v into hv (and ∇L(θ) into grad when not nil).
	HVP(hv, grad, theta, v []float64) (float64, error)
	// Logits are the network's outputs, N rows of Spec().Outputs() values.
	Logits(theta []float64) ([]float64, error)
	Evaluate(theta []float64) (loss, accuracy float64, err error)
	// ProductCount is the number of Hessian-vector products so far.
	ProductCount() int
	Close()
}

// NewEngine makes the engine the studies use for a network over a sample set,
// evaluated chunk samples at a time (0: the engine's default). It is the
// gorgonia engine unless replaced.
var NewEngine = func(s graph.Spec, set *datasets.Set, chunk int) (Engine, error) {
	return graph.NewObjective(s, set, chunk)
}

// hessianOp is the Hessian of an engine at θ as a measures.Operator: each
// Apply is one product over the whole sample set.
type hessianOp struct {
	e     Engine
	theta []float64
}

func newHessianOp(e Engine, theta []float64) *hessianOp {
	return &hessianOp{e: e, theta: append([]float64(nil), theta...)}
}

// Dim is the number of parameters.
func (h *hessianOp) Dim() int { return h.e.Dim() }

// Apply sets dst = H·v.
func (h *hessianOp) Apply(dst, v []float64) error {
	_, err := h.e.HVP(dst, nil, h.theta, v)
	return err
}
