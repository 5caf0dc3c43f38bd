package reparam

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

// tnet is a random network with data for tests.
type tnet struct {
	spec   graph.Spec
	theta  []float64
	X      []float64
	n      int
	labels []int
}

// newTNet builds a random MLP with the given sizes, bias flag and n samples.
func newTNet(t testing.TB, sizes []int, bias bool, n int, seed uint64) tnet {
	t.Helper()
	return randomTNet(t, graph.MLP(sizes[0], sizes[1:len(sizes)-1], sizes[len(sizes)-1], bias, loss.CrossEntropy), n, seed)
}

// newTCNN builds a random CNN — conv(2→3, 3×3, relu) → maxpool 2 → flatten →
// dense(→5, relu) → dense(→3) — on 2×6×6 images.
func newTCNN(t testing.TB, bias bool, n int, seed uint64) tnet {
	t.Helper()
	s, err := graph.CNN(graph.CNNSettings{Input: graph.Shape{2, 6, 6}, Channels: []int{3}, Kernel: 3, Pool: 2, Hidden: []int{5}, Classes: 3, NoBias: !bias}, loss.CrossEntropy)
	if err != nil {
		t.Fatal(err)
	}
	return randomTNet(t, s, n, seed)
}

func randomTNet(t testing.TB, s graph.Spec, n int, seed uint64) tnet {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	theta := make([]float64, s.NumParams())
	for _, p := range s.Params() {
		sc := 1.5 / math.Sqrt(float64(p.FanIn))
		if p.Bias {
			sc = 0.3
		}
		for i := range p.View(theta) {
			p.View(theta)[i] = rng.NormFloat64() * sc
		}
	}
	X := make([]float64, n*s.Inputs())
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(s.Outputs())
	}
	return tnet{spec: s, theta: theta, X: X, n: n, labels: labels}
}

// forward returns the network outputs at theta (graph's reference forward).
func (tn tnet) forward(t testing.TB, theta []float64) []float64 {
	t.Helper()
	out, err := graph.Forward(tn.spec, theta, tn.X, tn.n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// weights returns the view of the weights of the k-th layer with parameters.
func (tn tnet) weights(theta []float64, k int) []float64 {
	layer := tn.spec.ParamLayers()[k]
	for _, p := range tn.spec.Params() {
		if p.Layer == layer && !p.Bias {
			return p.View(theta)
		}
	}
	panic("no weights")
}

func (tn tnet) ref(kind loss.Kind) *graph.Reference {
	s := tn.spec
	s.Loss = kind
	return &graph.Reference{Spec: s, X: tn.X, N: tn.n, Labels: tn.labels}
}

// fdGrad returns the central finite-difference gradient of r at theta.
func fdGrad(t testing.TB, r *graph.Reference, theta []float64, h float64) []float64 {
	t.Helper()
	g, err := numtest.Gradient(r.Loss, theta, h)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// fdHessian returns the Hessian of r at theta by central differences of the
// analytic gradient, symmetrised, as rows.
func fdHessian(t testing.TB, r *graph.Reference, theta []float64, h float64) [][]float64 {
	t.Helper()
	flat, err := numtest.Hessian(func(g, x []float64) error { _, err := r.LossGrad(g, x); return err }, theta, h)
	if err != nil {
		t.Fatal(err)
	}
	n := len(theta)
	H := make([][]float64, n)
	for i := range H {
		H[i] = flat[i*n : (i+1)*n]
	}
	return H
}
