package measures_test

import (
	"math"
	"testing"

	"github.com/minima-project/minima/measures"
)

// geoPiecewise is L(θ) = ½·a·θ_0² for θ_0 ≥ 0, 2·a·θ_0² for θ_0 < 0, plus
// ½Σ_{i≥1} h_i θ_i².
type geoPiecewise struct {
	a float64
	h []float64
}

func (p *geoPiecewise) Dim() int { return 1 + len(p.h) }
func (p *geoPiecewise) Loss(th []float64) (float64, error) {
	f := 0.5 * p.a * th[0] * th[0]
	if th[0] < 0 {
		f *= 4
	}
	for i, h := range p.h {
		f += 0.5 * h * th[i+1] * th[i+1]
	}
	return f, nil
}
func (p *geoPiecewise) LossGrad(g, th []float64) (float64, error) {
	panic("not used")
}

// Tolerance: radii to 1e-3 relative (RelTol 1e-3, midpoint of the final bracket).

func TestFlatnessQuadratic(t *testing.T) {
	h := []float64{1, 4, 0.25, 100, 2}
	q := &geoQuad{H: geoDiag(h), C: make([]float64, 5), L0: 0.1}
	eps := 0.02
	var extra [][]float64
	for i := range h {
		e := make([]float64, 5)
		e[i] = 3 // not unit: Flatness normalises
		extra = append(extra, e)
	}
	res, err := measures.Flatness(q, make([]float64, 5), &measures.FlatnessSettings{Eps: eps, Extra: extra, Directions: 6, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Radii) != 11 {
		t.Fatalf("%d radii, want 11", len(res.Radii))
	}
	for i, hi := range h {
		want := math.Sqrt(2 * eps / hi)
		if math.Abs(res.Plus[i]-want) > 1e-3*want || math.Abs(res.Minus[i]-want) > 1e-3*want {
			t.Errorf("eigendirection %d: radii %g/%g, want %g", i, res.Plus[i], res.Minus[i], want)
		}
	}
	// Random directions: r = sqrt(2ε/dᵀHd) with dᵀHd between min and max h.
	for i := 5; i < 11; i++ {
		lo, hi := math.Sqrt(2*eps/100), math.Sqrt(2*eps/0.25)
		if res.Radii[i] < lo || res.Radii[i] > hi {
			t.Errorf("random direction %d: radius %g outside [%g,%g]", i, res.Radii[i], lo, hi)
		}
	}
	sl := 0.0
	for _, r := range res.Radii {
		sl += math.Log(r)
	}
	if math.Abs(math.Log(res.GeoMean)-sl/11) > 1e-12 || math.Abs(res.LogVolume-5*sl/11) > 1e-12 {
		t.Errorf("GeoMean %g LogVolume %g inconsistent", res.GeoMean, res.LogVolume)
	}
	// Deterministic in the seed.
	r2, _ := measures.Flatness(q, make([]float64, 5), &measures.FlatnessSettings{Eps: eps, Directions: 3, Seed: 9})
	r3, _ := measures.Flatness(q, make([]float64, 5), &measures.FlatnessSettings{Eps: eps, Directions: 3, Seed: 9})
	if r2.GeoMean != r3.GeoMean || len(r2.Radii) != 3 {
		t.Errorf("not deterministic")
	}
}

func TestFlatnessAsymmetricAndCapped(t *testing.T) {
	p := &geoPiecewise{a: 2, h: []float64{0}}
	eps := 0.01
	d0 := []float64{1, 0}
	d1 := []float64{0, 1} // flat: L constant
	// InitStep larger than the radius exercises the shrinking bracket.
	res, err := measures.Flatness(p, []float64{0, 0}, &measures.FlatnessSettings{Eps: eps, Extra: [][]float64{d0, d1}, InitStep: 1, MaxRadius: 50})
	if err != nil {
		t.Fatal(err)
	}
	wantP := math.Sqrt(2 * eps / p.a)
	wantM := math.Sqrt(eps / (2 * p.a))
	if math.Abs(res.Plus[0]-wantP) > 1e-3*wantP || math.Abs(res.Minus[0]-wantM) > 1e-3*wantM {
		t.Errorf("asymmetric: +%g −%g, want +%g −%g", res.Plus[0], res.Minus[0], wantP, wantM)
	}
	if res.Radii[0] != res.Minus[0] || res.Capped[0] {
		t.Errorf("Radii should be the min side: %v", res.Radii)
	}
	if !res.Capped[1] || res.Radii[1] != 50 || !res.CappedPlus[1] || !res.CappedMinus[1] {
		t.Errorf("flat direction: radius %g capped %v", res.Radii[1], res.Capped[1])
	}
	if _, err := measures.Flatness(p, []float64{0, 0}, &measures.FlatnessSettings{Extra: [][]float64{{0, 0}}}); err == nil {
		t.Error("zero direction accepted")
	}
}
