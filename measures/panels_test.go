package measures

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/minima-project/minima/internal/numtest"
)

// filledPanels returns a store of m seeded Gaussian vectors of length n with
// room for limit.
func filledPanels(n, m, limit int, seed uint64) *panels {
	ps := newPanels(n, limit)
	for j := 0; j < m; j++ {
		copy(ps.add(), numtest.Gaussian(n, 1, seed+uint64(j)))
	}
	return ps
}

// The panel products equal the per-vector dots and axpys to rounding, for
// counts inside one panel, at its end and across panel boundaries.
func TestPanelsProjectSubtractMatchVectors(t *testing.T) {
	n := 37
	ps := filledPanels(n, 3*panelRows+2, 3*panelRows+2, 1)
	for _, m := range []int{1, panelRows - 1, panelRows, panelRows + 1, 2*panelRows + 3, 3*panelRows + 2} {
		w := numtest.Gaussian(n, 1, 99)
		h := make([]float64, m)
		ps.project(h, w, m)
		want := make([]float64, m)
		ref := append([]float64(nil), w...)
		for j := 0; j < m; j++ {
			want[j] = floats.Dot(ps.vecs[j], w)
			floats.AddScaled(ref, -want[j], ps.vecs[j])
		}
		if d := numtest.MaxRelDiff(h, want); d > 1e-13 {
			t.Errorf("m = %d: project differs from the dots by %.3g", m, d)
		}
		ps.subtract(w, h, m)
		if d := numtest.MaxRelDiff(w, ref); d > 1e-12 {
			t.Errorf("m = %d: subtract differs from the axpys by %.3g", m, d)
		}
	}
}

// combine computes S·Q tile by tile: every column of every row equals the
// per-vector sum Σ_j S[a][j]·q_j, across tile and panel boundaries.
func TestPanelsCombineMatchesVectors(t *testing.T) {
	n := combineTileCols + 5 // two tiles, the second short
	m := panelRows + 3
	ps := filledPanels(n, m, m, 7)
	r := 3
	s := numtest.Gaussian(r*m, 1, 11)
	got := make([]float64, r*n)
	buf := make([]float64, r*combineTileCols)
	tiles := 0
	ps.combine(s, r, m, buf, func(t0, t1 int, ct []float64) {
		tiles++
		for a := 0; a < r; a++ {
			copy(got[a*n+t0:a*n+t1], ct[a*(t1-t0):(a+1)*(t1-t0)])
		}
	})
	if tiles != 2 {
		t.Errorf("%d tiles, want 2", tiles)
	}
	for a := 0; a < r; a++ {
		want := make([]float64, n)
		for j := 0; j < m; j++ {
			floats.AddScaled(want, s[a*m+j], ps.vecs[j])
		}
		if d := numtest.MaxRelDiff(got[a*n:(a+1)*n], want); d > 1e-12 {
			t.Errorf("row %d differs from the per-vector sum by %.3g", a, d)
		}
	}
}

// A store never allocates room for more vectors than its limit.
func TestPanelsAllocateWithinLimit(t *testing.T) {
	n, limit := 5, panelRows+3
	ps := filledPanels(n, limit, limit, 3)
	room := 0
	for _, d := range ps.data {
		room += len(d)
	}
	if room != limit*n {
		t.Errorf("room for %d values, want %d (limit %d vectors of %d)", room, limit*n, limit, n)
	}
	defer func() {
		if recover() == nil {
			t.Error("adding past the limit did not panic")
		}
	}()
	ps.add()
}

// Vectors large enough to be faulted in ahead of time keep what the caller
// wrote: the goroutine writing into the next vector's pages never writes into
// one add has returned (across panel boundaries).
func TestPanelsPrefaultKeepsValues(t *testing.T) {
	n, limit := prefaultBytes/8+1, 2*panelRows+1
	ps := newPanels(n, limit)
	for j := range limit {
		v := ps.add()
		for i := range v {
			v[i] = float64(j + 1)
		}
	}
	for j, v := range ps.vecs {
		for i, x := range v {
			if x != float64(j+1) {
				t.Fatalf("vector %d, value %d: %v, want %d", j, i, x, j+1)
			}
		}
	}
}

// A store that reaches its limit prepares no vector past it.
func TestPanelsPrefaultStopsAtLimit(t *testing.T) {
	n, limit := prefaultBytes/8+1, panelRows+1
	ps := newPanels(n, limit)
	for range limit {
		ps.add()
	}
	if ps.touched != nil || ps.nextPanel != nil {
		t.Error("a vector past the limit was prepared")
	}
}

// referenceLanczos runs m steps of Lanczos with full reorthogonalisation by
// per-vector classical Gram–Schmidt twice (the textbook loop the panel code
// replaces) and returns α, β and the basis.
func referenceLanczos(t *testing.T, op Operator, v0 []float64, m int) (alpha, beta []float64) {
	t.Helper()
	n := op.Dim()
	q := append([]float64(nil), v0...)
	floats.Scale(1/floats.Norm(q, 2), q)
	basis := [][]float64{q}
	w := make([]float64, n)
	for len(alpha) < m {
		if err := op.Apply(w, basis[len(basis)-1]); err != nil {
			t.Fatal(err)
		}
		var a float64
		for pass := 0; pass < 2; pass++ {
			h := make([]float64, len(basis))
			for j, b := range basis {
				h[j] = floats.Dot(b, w)
			}
			for j, b := range basis {
				floats.AddScaled(w, -h[j], b)
			}
			a += h[len(h)-1]
		}
		b := floats.Norm(w, 2)
		alpha, beta = append(alpha, a), append(beta, b)
		next := make([]float64, n)
		floats.ScaleTo(next, 1/b, w)
		basis = append(basis, next)
	}
	return alpha, beta
}

// Across panel boundaries (40 steps, 5 panels of 8) the recurrence gives the
// tridiagonal matrix of the per-vector loop to rounding, an orthonormal basis
// (‖QᵀQ − I‖max ≤ 1e-12) and Ritz values matching the known spectrum.
func TestLanczosPanelsAcrossBoundary(t *testing.T) {
	n, m := 120, 40
	lams := make([]float64, n)
	for i := range lams {
		lams[i] = 1 + float64(i)/float64(n) // bulk in [1, 2)
	}
	lams[n-1], lams[n-2], lams[0] = 10, 7, -3
	a := spectralDense(lams, 5)
	v0 := numtest.Gaussian(n, 1, 17)
	alpha, beta, basis, err := lanczosTridiagonal(a, v0, m, true)
	if err != nil {
		t.Fatal(err)
	}
	if m <= 4*panelRows {
		t.Fatalf("%d steps do not cross four panel boundaries", m)
	}
	if len(alpha) != m || len(basis) != m {
		t.Fatalf("%d steps, %d vectors; want %d", len(alpha), len(basis), m)
	}
	ra, rb := referenceLanczos(t, a, v0, m)
	if d := numtest.MaxRelDiff(alpha, ra); d > 1e-10 {
		t.Errorf("α differs from the per-vector loop by %.3g", d)
	}
	if d := numtest.MaxRelDiff(beta, rb); d > 1e-10 {
		t.Errorf("β differs from the per-vector loop by %.3g", d)
	}
	worst := 0.0
	for i := range basis {
		for j := range basis {
			want := 0.0
			if i == j {
				want = 1
			}
			worst = math.Max(worst, math.Abs(floats.Dot(basis[i], basis[j])-want))
		}
	}
	if worst > 1e-12 {
		t.Errorf("‖QᵀQ − I‖max = %.3g > 1e-12", worst)
	}
	vals, _, err := tridiagonalEigen(alpha, beta)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{-3, 7, 10}
	got := []float64{vals[0], vals[m-2], vals[m-1]}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-10*10 {
			t.Errorf("Ritz value %.15g, want %v", got[i], want[i])
		}
	}
}

// With more steps than a panel holds, residuals from the kept products (two
// panel stores) equal those of new products to rounding.
func TestLanczosKeptProductsAcrossPanels(t *testing.T) {
	a := spectralDense(hessianLike(150, 4, 5, 0.5, 3), 4)
	s := &LanczosSettings{Top: 4, Bottom: 2, Seed: 42, Tol: 1e-9, Verify: true, ProductMemory: -1}
	fresh, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	s.ProductMemory = 0
	kept, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Dim <= panelRows {
		t.Fatalf("%d steps: does not cross a panel boundary", kept.Dim)
	}
	got := append(append([]float64(nil), kept.TopResiduals...), kept.BottomResiduals...)
	want := append(append([]float64(nil), fresh.TopResiduals...), fresh.BottomResiduals...)
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12*kept.Scale {
			t.Errorf("pair %d: residual from kept products %.3g, from new products %.3g", i, got[i], want[i])
		}
	}
}
