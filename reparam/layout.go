package reparam

import "fmt"

// Dense describes one fully connected layer computing h·W + b, with W an In×Out
// matrix stored row-major and b of length Out (present only when Bias is true).
// The activation is not part of the layout: in this package every layer but the
// last is ReLU and the last is linear.
type Dense struct {
	// In and Out are the input and output widths of the layer.
	In, Out int
	// Bias tells whether the layer has a bias vector b.
	Bias bool
}

// Layout is the flat parameter layout of a stack of Dense layers: layer by layer,
// the In×Out entries of W (row-major, so W[i,j] is at WOffset(k)+i*Out+j) followed
// by the Out entries of b if the layer has a bias. This layout is a fixed contract
// with package graph.
//
// A Layout is a plain value; offsets are recomputed on each call (the number of
// layers is small). Use NewLayout or Validate to check consistency.
type Layout struct {
	// Layers are the layers in order, input first.
	Layers []Dense
}

// NewLayout returns a validated Layout holding a copy of layers.
func NewLayout(layers ...Dense) (Layout, error) {
	l := Layout{Layers: append([]Dense(nil), layers...)}
	if err := l.Validate(); err != nil {
		return Layout{}, err
	}
	return l, nil
}

// MLP returns the layout of a multilayer perceptron with the given widths
// (sizes[0] inputs, sizes[len-1] outputs), every layer with or without bias.
func MLP(sizes []int, bias bool) (Layout, error) {
	if len(sizes) < 2 {
		return Layout{}, fmt.Errorf("reparam: MLP needs at least 2 sizes, got %d", len(sizes))
	}
	layers := make([]Dense, len(sizes)-1)
	for k := range layers {
		layers[k] = Dense{In: sizes[k], Out: sizes[k+1], Bias: bias}
	}
	return NewLayout(layers...)
}

// Validate reports whether the layout has at least one layer, positive sizes,
// and consecutive layers that chain (Layers[k].Out == Layers[k+1].In).
func (l Layout) Validate() error {
	if len(l.Layers) == 0 {
		return fmt.Errorf("reparam: layout has no layers")
	}
	for k, d := range l.Layers {
		if d.In <= 0 || d.Out <= 0 {
			return fmt.Errorf("reparam: layer %d has sizes %d×%d", k, d.In, d.Out)
		}
		if k > 0 && l.Layers[k-1].Out != d.In {
			return fmt.Errorf("reparam: layer %d has In %d but layer %d has Out %d", k, d.In, k-1, l.Layers[k-1].Out)
		}
	}
	return nil
}

// NumLayers returns K, the number of layers.
func (l Layout) NumLayers() int { return len(l.Layers) }

// HasBias reports whether any layer has a bias.
func (l Layout) HasBias() bool {
	for _, d := range l.Layers {
		if d.Bias {
			return true
		}
	}
	return false
}

// layerLen is the number of parameters of layer d.
func (d Dense) layerLen() int {
	n := d.In * d.Out
	if d.Bias {
		n += d.Out
	}
	return n
}

// Dim returns the total number of parameters.
func (l Layout) Dim() int {
	n := 0
	for _, d := range l.Layers {
		n += d.layerLen()
	}
	return n
}

// WOffset returns the offset of W_k in the flat vector. It panics if k is out of
// range.
func (l Layout) WOffset(k int) int {
	if k < 0 || k >= len(l.Layers) {
		panic(fmt.Sprintf("reparam: layer %d out of range [0,%d)", k, len(l.Layers)))
	}
	off := 0
	for j := 0; j < k; j++ {
		off += l.Layers[j].layerLen()
	}
	return off
}

// BOffset returns the offset of b_k in the flat vector, or -1 if layer k has no
// bias. It panics if k is out of range.
func (l Layout) BOffset(k int) int {
	off := l.WOffset(k)
	if !l.Layers[k].Bias {
		return -1
	}
	return off + l.Layers[k].In*l.Layers[k].Out
}

// W returns the view theta[WOffset(k) : WOffset(k)+In*Out] holding W_k row-major.
// Writing to it writes theta. It panics if k is out of range or theta is too
// short.
func (l Layout) W(theta []float64, k int) []float64 {
	off := l.WOffset(k)
	n := l.Layers[k].In * l.Layers[k].Out
	return theta[off : off+n : off+n]
}

// B returns the view of b_k in theta, or nil if layer k has no bias.
func (l Layout) B(theta []float64, k int) []float64 {
	off := l.BOffset(k)
	if off < 0 {
		return nil
	}
	n := l.Layers[k].Out
	return theta[off : off+n : off+n]
}

// Check returns an error unless len(theta) == Dim().
func (l Layout) Check(theta []float64) error {
	if len(theta) != l.Dim() {
		return fmt.Errorf("reparam: len(theta) = %d, layout has %d parameters", len(theta), l.Dim())
	}
	return nil
}

// LayerBlock returns {offset, length} of all parameters of layer k (W_k then b_k).
func (l Layout) LayerBlock(k int) [2]int {
	return [2]int{l.WOffset(k), l.Layers[k].layerLen()}
}

// WBlocks returns {offset, length} of each weight matrix W_k, k = 0…K−1.
func (l Layout) WBlocks() [][2]int {
	b := make([][2]int, len(l.Layers))
	for k, d := range l.Layers {
		b[k] = [2]int{l.WOffset(k), d.In * d.Out}
	}
	return b
}

// ParamBlocks returns {offset, length} of every parameter group in flat order:
// W_0, b_0 (if any), W_1, b_1 (if any), …. Under layer-wise T_α every one of these
// blocks is scaled by a single factor (see Scales), which is what a per-block
// scale-invariant measure needs.
func (l Layout) ParamBlocks() [][2]int {
	var b [][2]int
	for k, d := range l.Layers {
		off := l.WOffset(k)
		b = append(b, [2]int{off, d.In * d.Out})
		if d.Bias {
			b = append(b, [2]int{off + d.In*d.Out, d.Out})
		}
	}
	return b
}
