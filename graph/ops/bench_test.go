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
