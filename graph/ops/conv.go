package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// Conv2D is PyTorch's conv2d without bias (a cross-correlation with zero
// padding and stride) on NHWC activations: x is (B·H·W, C), w is
// (O, C·KH·KW) holding a PyTorch weight (O, C, KH, KW) in row-major order,
// and the result is (B·OH·OW, O) = Im2Col(x)·wᵀ, again NHWC.
//
// Add a bias b (a vector of O) with G.BroadcastAdd(y, b, nil, []byte{0}) and
// apply ReLU with G.Rectify; both survive a second Grad.
func Conv2D(x, w *G.Node, g Geom) (*G.Node, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if w == nil || w.Dims() != 2 {
		return nil, fmt.Errorf("ops: Conv2D weight must be a matrix (O, C·KH·KW)")
	}
	if err := checkNode(w, w.Shape()[0], g.C*g.patch(), "Conv2D weight"); err != nil {
		return nil, err
	}
	cols, err := Im2Col(x, g)
	if err != nil {
		return nil, err
	}
	wt, err := G.Transpose(w)
	if err != nil {
		return nil, fmt.Errorf("ops: Conv2D: %w", err)
	}
	y, err := G.Mul(cols, wt)
	if err != nil {
		return nil, fmt.Errorf("ops: Conv2D: %w", err)
	}
	return y, nil
}
