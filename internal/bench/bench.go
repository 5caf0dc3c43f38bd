// Package bench holds the workloads behind `go test -bench` and `make bench`:
// loss, gradient and Hessian-vector product of a ReLU MLP over a fixed sample
// set, the same problem ../shared/peer/torch_hvp.py times in PyTorch.
package bench

import (
	"math/rand"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
)

// Problem is an MLP objective with a θ and a v to evaluate at.
type Problem struct {
	Obj      *graph.Objective
	Theta, V []float64
	hv, g    []float64
}

// NewProblem builds the MLP sizes[0]-…-sizes[last] (biases, ReLU, cross-entropy)
// on n random samples with pixel-like features in [0,1), as the peer does, and
// He-initialised parameters.
func NewProblem(sizes []int, n int, seed int64) (*Problem, error) {
	s := graph.MLP(sizes[0], sizes[1:len(sizes)-1], sizes[len(sizes)-1], true, graph.CrossEntropy)
	r := rand.New(rand.NewSource(seed))
	set := &datasets.Set{X: make([]float64, n*sizes[0]), Y: make([]int, n), N: n, D: sizes[0], Classes: s.Outputs()}
	for i := range set.X {
		set.X[i] = r.Float64()
	}
	for i := range set.Y {
		set.Y[i] = r.Intn(s.Outputs())
	}
	o, err := graph.NewObjective(s, set, n)
	if err != nil {
		return nil, err
	}
	theta, err := graph.Init(s, graph.He, seed)
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(theta))
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return &Problem{Obj: o, Theta: theta, V: v, hv: make([]float64, len(theta)), g: make([]float64, len(theta))}, nil
}

// Forward evaluates the loss.
func (p *Problem) Forward() error { _, err := p.Obj.Loss(p.Theta); return err }

// Gradient evaluates loss and gradient.
func (p *Problem) Gradient() error { _, err := p.Obj.LossGrad(p.g, p.Theta); return err }

// HVP evaluates one Hessian-vector product.
func (p *Problem) HVP() error { _, err := p.Obj.HVP(p.hv, nil, p.Theta, p.V); return err }

// Run benchmarks f with b.N calls.
func Run(b *testing.B, f func() error) {
	if err := f(); err != nil { // warm-up: builds the graph
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}
