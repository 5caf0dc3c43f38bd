package ops

import "testing"

// defaultCNN is the project's default CNN on a batch of MNIST-sized inputs:
// conv(1→8, 5×5, relu) → maxpool 2 → conv(8→16, 5×5, relu) → maxpool 2 →
// flatten → dense(256→64, relu) → dense(64→10), with biases.
func defaultCNN(batch int) cnn {
	return cnn{batch: batch, c: 1, h: 28, w: 28, bias: true, layers: []layer{
		{kind: 'c', o: 8, kh: 5, kw: 5, s: 1, relu: true},
		{kind: 'p', kh: 2, kw: 2, s: 2},
		{kind: 'c', o: 16, kh: 5, kw: 5, s: 1, relu: true},
		{kind: 'p', kh: 2, kw: 2, s: 2},
		{kind: 'f'},
		{kind: 'd', o: 64, relu: true},
		{kind: 'd', o: 10},
	}}
}

// benchCNN times one evaluation of machine mc (built by newMachine) of the
// default CNN on 1000 inputs: the graph is built and run once before timing.
func benchCNN(b *testing.B, newMachine func(testing.TB, model) *machine) {
	n := defaultCNN(1000)
	m, err := n.model()
	if err != nil {
		b.Fatal(err)
	}
	theta := n.init(1)
	v := randVec(len(theta), 1, 2)
	data := cnnData(n, 4, 3)
	mc := newMachine(b, m)
	if mc.hv == nil {
		v = nil
	}
	mc.eval(b, theta, v, data)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mc.eval(b, theta, v, data)
	}
}

// BenchmarkConvHVP times one Hessian-vector product (with loss and gradient,
// which the same run yields) of the default CNN on 1000 MNIST-sized inputs.
func BenchmarkConvHVP(b *testing.B) { benchCNN(b, newHVPMachine) }

// BenchmarkConvGradient times loss and gradient of the same problem.
func BenchmarkConvGradient(b *testing.B) { benchCNN(b, newGradMachine) }

// The kernels the README's performance section quotes, on the default CNN's
// shapes for 100 samples and on one 1,000 × 256 hidden layer of the benchmark
// MLP (`go test -run - -bench Kernel ./graph/ops`).

// randomSigns returns n float32 values of random sign: what a hidden layer's
// pre-activations look like to a branch predictor.
func randomSigns(n int) []float32 {
	d := make([]float32, n)
	for i, v := range randVec(n, 1, 9) {
		d[i] = float32(v)
	}
	return d
}

// BenchmarkKernelReLU: ReLU as ops.ReLU computes it, x·step(x) in one pass
// with a branch-free step, on 256,000 values.
func BenchmarkKernelReLU(b *testing.B) {
	x := [][]float64{randVec(256000, 1, 9)}
	y := make([]float64, 256000)
	op := reluOp{R: 1000, C: 256}
	for b.Loop() {
		op.into64(y, x)
	}
}

// BenchmarkKernelGorgoniaReLU: the same values as gorgonia's Rectify computes
// them: the step x ≥ 0 with a branch per value into a copy of the input
// (tensor's GteSameVS), then the product x ⊙ step (MulRecv).
func BenchmarkKernelGorgoniaReLU(b *testing.B) {
	x := randVec(256000, 1, 9)
	s, y := make([]float64, len(x)), make([]float64, len(x))
	for b.Loop() {
		copy(s, x)
		for i := range s { // tensor/internal/execution.GteSameVSF64
			if s[i] >= 0 {
				s[i] = 1
			} else {
				s[i] = 0
			}
		}
		for i := range y { // tensor/internal/execution.MulRecvF64
			y[i] = x[i] * s[i]
		}
	}
}

// BenchmarkKernelAddBias: a bias added to 1,000 rows of 256 as ops.AddBias
// adds it, in one pass.
func BenchmarkKernelAddBias(b *testing.B) {
	in := [][]float64{randVec(256000, 1, 9), randVec(256, 1, 10)}
	y := make([]float64, 256000)
	op := biasOp{R: 1000, C: 256}
	for b.Loop() {
		op.into64(y, in)
	}
}

// BenchmarkKernelGorgoniaAddBias: the same sum as G.BroadcastAdd computes it:
// the bias repeated into a 1,000×256 matrix (tensor's RepeatReuse), then
// added (AddRecv).
func BenchmarkKernelGorgoniaAddBias(b *testing.B) {
	x, bias := randVec(256000, 1, 9), randVec(256, 1, 10)
	r, y := make([]float64, len(x)), make([]float64, len(x))
	for b.Loop() {
		for i := 0; i < len(r); i += len(bias) {
			copy(r[i:i+len(bias)], bias)
		}
		for i := range y {
			y[i] = x[i] + r[i]
		}
	}
}

// im2colGeoms are the default CNN's two convolutions on 100 samples.
var im2colGeoms = map[string]Geom{
	"conv1": {Batch: 100, C: 1, H: 28, W: 28, KH: 5, KW: 5, SH: 1, SW: 1},
	"conv2": {Batch: 100, C: 8, H: 12, W: 12, KH: 5, KW: 5, SH: 1, SW: 1},
}

// BenchmarkKernelIm2Col: the patches of each convolution, float32.
func BenchmarkKernelIm2Col(b *testing.B) {
	for name, g := range im2colGeoms {
		b.Run(name, func(b *testing.B) {
			x := randomSigns(g.inRows() * g.C)
			cols := make([]float32, g.outRows()*g.C*g.patch())
			for b.Loop() {
				im2col(g, x, cols)
			}
		})
	}
}

// BenchmarkKernelIm2ColChannelMajor: conv2's patches in PyTorch's (c, i, j)
// column order, one strided write per value: the layout im2col had before.
func BenchmarkKernelIm2ColChannelMajor(b *testing.B) {
	g := im2colGeoms["conv2"]
	x := randomSigns(g.inRows() * g.C)
	cols := make([]float32, g.outRows()*g.C*g.patch())
	kk, width := g.patch(), g.C*g.patch()
	for b.Loop() {
		r := 0
		for n := 0; n < g.Batch; n++ {
			for p := 0; p < g.OutH(); p++ {
				for q := 0; q < g.OutW(); q++ {
					row := cols[r*width : (r+1)*width]
					r++
					for i := 0; i < g.KH; i++ {
						for j := 0; j < g.KW; j++ {
							px := x[((n*g.H+p+i)*g.W+q+j)*g.C:][:g.C]
							for c, v := range px {
								row[c*kk+i*g.KW+j] = v
							}
						}
					}
				}
			}
		}
	}
}

// BenchmarkKernelMaxPool: the windows of max-pooling conv1's output (8
// channels of 24×24, 2×2, stride 2) on values of random order, float32.
func BenchmarkKernelMaxPool(b *testing.B) {
	g := Geom{Batch: 100, C: 8, H: 24, W: 24, KH: 2, KW: 2, SH: 2, SW: 2}
	x := randomSigns(g.inRows() * g.C)
	y := make([]float32, g.outRows()*g.C)
	for b.Loop() {
		pool(g, y, x)
	}
}

// BenchmarkKernelMaxPoolBranch: the same windows compared with a branch per
// value, as forWindows did before.
func BenchmarkKernelMaxPoolBranch(b *testing.B) {
	g := Geom{Batch: 100, C: 8, H: 24, W: 24, KH: 2, KW: 2, SH: 2, SW: 2}
	x := randomSigns(g.inRows() * g.C)
	y := make([]float32, g.outRows()*g.C)
	best, arg := make([]float32, g.C), make([]int, g.C)
	for b.Loop() {
		r := 0
		for n := 0; n < g.Batch; n++ {
			for p := 0; p < g.OutH(); p++ {
				for q := 0; q < g.OutW(); q++ {
					first := ((n*g.H+p*g.SH)*g.W + q*g.SW) * g.C
					copy(best, x[first:first+g.C])
					for c := range arg {
						arg[c] = first + c
					}
					for i := 0; i < g.KH; i++ {
						for j := 0; j < g.KW; j++ {
							base := ((n*g.H+p*g.SH+i)*g.W + q*g.SW + j) * g.C
							for c, v := range x[base : base+g.C] {
								if v > best[c] || v != v {
									best[c], arg[c] = v, base+c
								}
							}
						}
					}
					for c, a := range arg {
						y[r*g.C+c] = x[a]
					}
					r++
				}
			}
		}
	}
}
