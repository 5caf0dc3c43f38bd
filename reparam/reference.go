package reparam

import (
	"fmt"
	"math"
)

// Forward is a small pure-Go reference forward pass: for the n samples in X
// (n×In_0, row-major) it returns the n×Out_{K−1} outputs (row-major) of the network
// h_k = φ(h_{k−1}·W_k + b_k), with φ = ReLU on every layer but the last, which is
// linear. It is deliberately simple (no blocking, no parallelism) so that it can
// serve as an independent check of package graph.
//
// Forward panics if the layout is invalid, len(theta) ≠ layout.Dim() or
// len(X) ≠ n·In_0.
func Forward(layout Layout, theta, X []float64, n int) []float64 {
	out, _ := forwardActs(layout, theta, X, n)
	return out
}

// forwardActs runs the forward pass and also returns the pre-activations z_k
// (n×Out_k) of every layer, for backpropagation.
func forwardActs(layout Layout, theta, X []float64, n int) ([]float64, [][]float64) {
	if err := layout.Validate(); err != nil {
		panic(err)
	}
	if err := layout.Check(theta); err != nil {
		panic(err)
	}
	if n < 0 || len(X) != n*layout.Layers[0].In {
		panic(fmt.Sprintf("reparam: Forward: len(X) = %d, want %d×%d", len(X), n, layout.Layers[0].In))
	}
	K := layout.NumLayers()
	zs := make([][]float64, K)
	h := X
	for k, d := range layout.Layers {
		W := layout.W(theta, k)
		b := layout.B(theta, k)
		z := make([]float64, n*d.Out)
		for r := 0; r < n; r++ {
			zr := z[r*d.Out : (r+1)*d.Out]
			if b != nil {
				copy(zr, b)
			}
			hr := h[r*d.In : (r+1)*d.In]
			for i, hv := range hr {
				if hv == 0 {
					continue
				}
				wi := W[i*d.Out : (i+1)*d.Out]
				for j, w := range wi {
					zr[j] += hv * w
				}
			}
		}
		zs[k] = z
		if k == K-1 {
			h = z
			break
		}
		a := make([]float64, len(z))
		for i, v := range z {
			if v > 0 {
				a[i] = v
			}
		}
		h = a
	}
	return h, zs
}

// Loss kinds understood by Reference.
const (
	// MSE is ℓ(f, y) = ½‖f − onehot(y)‖².
	MSE = "mse"
	// CrossEntropy is ℓ(f, y) = −log softmax(f)_y.
	CrossEntropy = "cross_entropy"
)

// Reference is the mean loss of the Forward network over a fixed sample set,
// with an analytic (hand-written backpropagation) gradient. It satisfies
// measures.Objective structurally (Dim, Loss, LossGrad) without importing it,
// and is the toy objective used by this module's tests.
type Reference struct {
	// Layout is the network layout.
	Layout Layout
	// X holds N samples, row-major N×Layers[0].In.
	X []float64
	// N is the number of samples.
	N int
	// Labels holds N class indices in [0, Out_{K−1}).
	Labels []int
	// Kind is MSE or CrossEntropy.
	Kind string
}

// Dim returns the number of parameters.
func (r *Reference) Dim() int { return r.Layout.Dim() }

// Loss returns the mean loss (1/N)Σ ℓ(f_θ(x_i), y_i).
func (r *Reference) Loss(theta []float64) (float64, error) {
	return r.eval(nil, theta)
}

// LossGrad returns the mean loss and writes its gradient into grad.
func (r *Reference) LossGrad(grad, theta []float64) (float64, error) {
	if len(grad) != r.Dim() {
		return 0, fmt.Errorf("reparam: Reference.LossGrad: len(grad) = %d, want %d", len(grad), r.Dim())
	}
	return r.eval(grad, theta)
}

func (r *Reference) eval(grad, theta []float64) (float64, error) {
	if err := r.Layout.Validate(); err != nil {
		return 0, err
	}
	if err := r.Layout.Check(theta); err != nil {
		return 0, err
	}
	K := r.Layout.NumLayers()
	in, C := r.Layout.Layers[0].In, r.Layout.Layers[K-1].Out
	if r.N <= 0 || len(r.X) != r.N*in || len(r.Labels) != r.N {
		return 0, fmt.Errorf("reparam: Reference: N = %d, len(X) = %d, len(Labels) = %d, In = %d", r.N, len(r.X), len(r.Labels), in)
	}
	if r.Kind != MSE && r.Kind != CrossEntropy {
		return 0, fmt.Errorf("reparam: Reference: unknown loss kind %q", r.Kind)
	}
	for _, y := range r.Labels {
		if y < 0 || y >= C {
			return 0, fmt.Errorf("reparam: Reference: label %d out of range [0,%d)", y, C)
		}
	}
	out, zs := forwardActs(r.Layout, theta, r.X, r.N)
	// delta = ∂(mean loss)/∂f, n×C.
	delta := make([]float64, len(out))
	loss := 0.0
	inv := 1 / float64(r.N)
	for s := 0; s < r.N; s++ {
		f := out[s*C : (s+1)*C]
		d := delta[s*C : (s+1)*C]
		y := r.Labels[s]
		switch r.Kind {
		case MSE:
			for c, v := range f {
				t := v
				if c == y {
					t -= 1
				}
				loss += 0.5 * t * t
				d[c] = t * inv
			}
		case CrossEntropy:
			m := math.Inf(-1)
			for _, v := range f {
				m = math.Max(m, v)
			}
			z := 0.0
			for _, v := range f {
				z += math.Exp(v - m)
			}
			lse := m + math.Log(z)
			loss += lse - f[y]
			for c, v := range f {
				p := math.Exp(v - lse)
				if c == y {
					p -= 1
				}
				d[c] = p * inv
			}
		}
	}
	loss *= inv
	if grad == nil {
		return loss, nil
	}
	for k := K - 1; k >= 0; k-- {
		d := r.Layout.Layers[k]
		gW := r.Layout.W(grad, k)
		for i := range gW {
			gW[i] = 0
		}
		// input activations of layer k
		var h []float64
		if k == 0 {
			h = r.X
		} else {
			h = zs[k-1]
		}
		for s := 0; s < r.N; s++ {
			ds := delta[s*d.Out : (s+1)*d.Out]
			hs := h[s*d.In : (s+1)*d.In]
			for i, hv := range hs {
				if k > 0 && hv <= 0 { // ReLU of the previous pre-activation
					continue
				}
				row := gW[i*d.Out : (i+1)*d.Out]
				for j, dv := range ds {
					row[j] += hv * dv
				}
			}
		}
		if gb := r.Layout.B(grad, k); gb != nil {
			for j := range gb {
				gb[j] = 0
			}
			for s := 0; s < r.N; s++ {
				for j, dv := range delta[s*d.Out : (s+1)*d.Out] {
					gb[j] += dv
				}
			}
		}
		if k == 0 {
			break
		}
		W := r.Layout.W(theta, k)
		prev := make([]float64, r.N*d.In)
		zp := zs[k-1]
		for s := 0; s < r.N; s++ {
			ds := delta[s*d.Out : (s+1)*d.Out]
			for i := 0; i < d.In; i++ {
				if zp[s*d.In+i] <= 0 {
					continue
				}
				wi := W[i*d.Out : (i+1)*d.Out]
				v := 0.0
				for j, dv := range ds {
					v += wi[j] * dv
				}
				prev[s*d.In+i] = v
			}
		}
		delta = prev
	}
	return loss, nil
}
