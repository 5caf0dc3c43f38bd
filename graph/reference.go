package graph

import (
	"fmt"
)

// Forward is the reference forward pass, in plain Go: the outputs (n rows of
// Outputs() values) of the network at θ for the n samples in x (n rows of
// Inputs() values). Each layer computes it with deliberately simple loops, so
// that it is an independent check of the gorgonia graphs.
func Forward(s Spec, theta, x []float64, n int) ([]float64, error) {
	acts, err := s.referenceForward(theta, x, n)
	if err != nil {
		return nil, err
	}
	return acts[len(acts)-1], nil
}

// referenceForward returns the input and every layer's output.
func (s Spec) referenceForward(theta, x []float64, n int) ([][]float64, error) {
	shapes, err := s.Shapes()
	if err != nil {
		return nil, err
	}
	if len(theta) != s.NumParams() {
		return nil, fmt.Errorf("graph: θ has %d values, network has %d parameters", len(theta), s.NumParams())
	}
	if n < 0 || len(x) != n*s.Inputs() {
		return nil, fmt.Errorf("graph: %d input values for %d samples of %d", len(x), n, s.Inputs())
	}
	params := s.layerParams(theta)
	acts := [][]float64{x}
	for k, l := range s.Layers {
		acts = append(acts, l.forward(acts[k], n, shapes[k], params[k]))
	}
	return acts, nil
}

// Reference is the mean loss of a network over a fixed sample set computed in
// plain Go, with its gradient by hand-written backpropagation through each
// layer's reference. It satisfies measures.Objective (Dim, Loss, LossGrad) and
// is the independent check of Objective.
type Reference struct {
	Spec   Spec
	X      []float64 // N rows of Spec.Inputs() values
	N      int
	Labels []int // N classes in [0, Spec.Outputs())
}

// Dim is the number of parameters.
func (r *Reference) Dim() int { return r.Spec.NumParams() }

// Loss returns the mean loss at θ.
func (r *Reference) Loss(theta []float64) (float64, error) { return r.eval(nil, theta) }

// LossGrad returns the mean loss at θ and writes its gradient into grad.
func (r *Reference) LossGrad(grad, theta []float64) (float64, error) {
	if len(grad) != r.Dim() {
		return 0, fmt.Errorf("graph: Reference.LossGrad: %d gradient values, want %d", len(grad), r.Dim())
	}
	return r.eval(grad, theta)
}

func (r *Reference) eval(grad, theta []float64) (float64, error) {
	if err := r.Spec.Validate(); err != nil {
		return 0, err
	}
	C := r.Spec.Outputs()
	if r.N <= 0 || len(r.Labels) != r.N {
		return 0, fmt.Errorf("graph: Reference: N = %d with %d labels", r.N, len(r.Labels))
	}
	for _, y := range r.Labels {
		if y < 0 || y >= C {
			return 0, fmt.Errorf("graph: Reference: label %d out of range [0,%d)", y, C)
		}
	}
	acts, err := r.Spec.referenceForward(theta, r.X, r.N)
	if err != nil {
		return 0, err
	}
	out := acts[len(acts)-1]
	dy := make([]float64, len(out))
	total := 0.0
	inv := 1 / float64(r.N)
	for i := range r.N {
		d := dy[i*C : (i+1)*C]
		total += r.Spec.Loss.Eval(out[i*C:(i+1)*C], r.Labels[i], d)
		for c := range d {
			d[c] *= inv
		}
	}
	if grad == nil {
		return total * inv, nil
	}
	clear(grad)
	shapes, _ := r.Spec.Shapes()
	params, dparams := r.Spec.layerParams(theta), r.Spec.layerParams(grad)
	for k := len(r.Spec.Layers) - 1; k >= 0; k-- {
		dy = r.Spec.Layers[k].backward(acts[k], acts[k+1], dy, r.N, shapes[k], params[k], dparams[k])
	}
	return total * inv, nil
}
