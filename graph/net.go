package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/minima-project/minima/loss"
)

// net is a network's expression in one gorgonia graph, for a fixed chunk of
// `batch` samples.
type net struct {
	g      *G.ExprGraph
	x      *G.Node   // samples, batch × inputs
	y      *G.Node   // one-hot labels, batch × outputs
	w      *G.Node   // per-sample loss weights, batch
	params []*G.Node // parameter inputs, in flat order (Spec.Params)
	logits *G.Node   // batch × outputs
	loss   *G.Node   // Σ_i w_i ℓ_i
}

// buildNet builds the network and its weighted loss from twice-differentiable
// operations only (gorgonia's SoftMax and LogSoftMax fail a second Grad; the
// convolution and pooling ops are package ops').
func buildNet(s Spec, batch int) (*net, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	g := G.NewGraph()
	n := &net{g: g}
	n.x = G.NewMatrix(g, tensor.Float64, G.WithShape(batch, s.Inputs()), G.WithName("x"))
	n.y = G.NewMatrix(g, tensor.Float64, G.WithShape(batch, s.Outputs()), G.WithName("y"))
	n.w = G.NewVector(g, tensor.Float64, G.WithShape(batch), G.WithName("w"))
	for _, p := range s.Params() {
		n.params = append(n.params, G.NewTensor(g, tensor.Float64, len(p.Shape), G.WithShape(p.Shape...), G.WithName(p.Name)))
	}

	a := act{node: n.x, shape: s.Input, batch: batch}
	pi := 0
	for k, l := range s.Layers {
		np := len(l.Params())
		var err error
		if a, err = l.build(a, n.params[pi:pi+np]); err != nil {
			return nil, fmt.Errorf("graph: layer %d (%s): %w", k, l.Kind(), err)
		}
		pi += np
	}
	n.logits = a.node // the last shape is a vector (Validate), so rows are flat

	var per *G.Node // per-sample loss, batch
	var err error
	switch s.Loss {
	case loss.CrossEntropy:
		per, err = crossEntropy(n.logits, n.y)
	case loss.MSE:
		per, err = halfSquaredError(n.logits, n.y)
	default:
		err = fmt.Errorf("graph: unknown loss %q", s.Loss)
	}
	if err != nil {
		return nil, err
	}
	wl, err := G.HadamardProd(per, n.w)
	if err != nil {
		return nil, err
	}
	if n.loss, err = G.Sum(wl); err != nil {
		return nil, err
	}
	return n, nil
}

// crossEntropy returns ℓ_i = log Σ_c exp(f_ic) − Σ_c y_ic f_ic, written as
// log-sum-exp of the logits shifted by their row maximum, for stability.
func crossEntropy(f, y *G.Node) (*G.Node, error) {
	m, err := G.Max(f, 1)
	if err != nil {
		return nil, err
	}
	z, err := G.BroadcastSub(f, m, nil, []byte{1})
	if err != nil {
		return nil, err
	}
	e, err := G.Exp(z)
	if err != nil {
		return nil, err
	}
	se, err := G.Sum(e, 1)
	if err != nil {
		return nil, err
	}
	lse, err := G.Log(se)
	if err != nil {
		return nil, err
	}
	yz, err := G.HadamardProd(y, z)
	if err != nil {
		return nil, err
	}
	picked, err := G.Sum(yz, 1)
	if err != nil {
		return nil, err
	}
	return G.Sub(lse, picked)
}

// halfSquaredError returns ℓ_i = ½ Σ_c (f_ic − y_ic)².
func halfSquaredError(f, y *G.Node) (*G.Node, error) {
	d, err := G.Sub(f, y)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(d)
	if err != nil {
		return nil, err
	}
	s, err := G.Sum(sq, 1)
	if err != nil {
		return nil, err
	}
	return G.Mul(s, f.Graph().Constant(G.NewF64(0.5)))
}
