package graph

import (
	"fmt"
	"math"
	"math/rand"
)

// Initialisation schemes.
const (
	// He draws W ~ N(0, 2/in) (He et al. 2015), suited to ReLU.
	He = "he"
	// Glorot draws W ~ U(−a, a) with a = √(6/(in+out)) (Glorot & Bengio 2010).
	Glorot = "glorot"
)

// Init returns freshly initialised parameters for s: weights by scheme from
// each array's fan-in and fan-out (ParamSpec), biases 0.
// The same seed gives the same vector.
func Init(s Spec, scheme string, seed int64) ([]float64, error) {
	if scheme != He && scheme != Glorot {
		return nil, fmt.Errorf("graph: unknown initialisation %q (want %s or %s)", scheme, He, Glorot)
	}
	r := rand.New(rand.NewSource(seed))
	theta := make([]float64, s.NumParams())
	for _, p := range s.Params() {
		if p.Bias {
			continue // zero
		}
		w := p.View(theta)
		switch scheme {
		case He:
			sd := math.Sqrt(2 / float64(p.FanIn))
			for i := range w {
				w[i] = sd * r.NormFloat64()
			}
		case Glorot:
			a := math.Sqrt(6 / float64(p.FanIn+p.FanOut))
			for i := range w {
				w[i] = a * (2*r.Float64() - 1)
			}
		}
	}
	return theta, nil
}
