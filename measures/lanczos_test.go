package measures

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/minima-project/minima/internal/numtest"
)

// ---- helpers shared by the spectrum tests ----

// spectralDense returns Q·diag(lams)·Qᵀ as a Dense, with Q the orthogonal factor
// of the QR factorisation of a seeded n×n Gaussian matrix. The result is
// symmetrised exactly ((A+Aᵀ)/2) so that it is a valid Operator.
func spectralDense(lams []float64, seed int64) *Dense {
	n := len(lams)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	var qd mat.Dense
	qd.Apply(func(i, j int, v float64) float64 { return v * lams[j] }, &q)
	var a mat.Dense
	a.Mul(&qd, q.T())
	d := &Dense{N: n, Data: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d.Data[i*n+j] = 0.5 * (a.At(i, j) + a.At(j, i))
		}
	}
	return d
}

// diagDense returns diag(lams).
func diagDense(lams []float64) *Dense {
	n := len(lams)
	d := &Dense{N: n, Data: make([]float64, n*n)}
	for i, l := range lams {
		d.Data[i*n+i] = l
	}
	return d
}

// ascending returns a sorted copy.
func ascending(x []float64) []float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return y
}

// trueResidual returns ‖A·y − θ·y‖ computed with an explicit product.
func trueResidual(t *testing.T, op Operator, theta float64, y []float64) float64 {
	t.Helper()
	ay := make([]float64, op.Dim())
	if err := op.Apply(ay, y); err != nil {
		t.Fatal(err)
	}
	floats.AddScaled(ay, -theta, y)
	return floats.Norm(ay, 2)
}

// hasNaN reports whether any value of the result is NaN or Inf.
func lanczosHasNaN(r *LanczosResult) bool {
	all := [][]float64{r.Top, r.Bottom, r.TopResiduals, r.BottomResiduals, {r.Scale}}
	all = append(all, r.TopVectors...)
	all = append(all, r.BottomVectors...)
	for _, s := range all {
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return true
			}
		}
	}
	return false
}

// checkLanczos compares a Lanczos result with the known spectrum lams.
//
// Tolerances: every returned Ritz value must be within eigTol·max|λ| of the
// eigenvalue of the same rank; every Ritz vector must be a unit vector to
// 1e-12; the reported residual must be ≤ Tol·Scale (when converged) and must
// agree with the explicitly computed ‖Ay − θy‖ to 1e-12·max|λ| (rounding of
// the Lanczos relation with full reorthogonalisation is ~1e-15·‖A‖).
func checkLanczos(t *testing.T, a *Dense, lams []float64, r *LanczosResult, tol, eigTol float64) {
	t.Helper()
	if lanczosHasNaN(r) {
		t.Fatalf("NaN or Inf in result: %+v", r)
	}
	asc := ascending(lams)
	n := len(asc)
	scale := numtest.MaxAbs(asc)
	check := func(name string, vals, res []float64, vecs [][]float64, want func(i int) float64) {
		for i, v := range vals {
			w := want(i)
			if math.Abs(v-w) > eigTol*scale {
				t.Errorf("%s[%d] = %.15g, want %.15g (|diff| %.3g > %.3g)", name, i, v, w, math.Abs(v-w), eigTol*scale)
			}
			if nrm := floats.Norm(vecs[i], 2); math.Abs(nrm-1) > 1e-12 {
				t.Errorf("%s vector %d has norm %v", name, i, nrm)
			}
			tr := trueResidual(t, a, v, vecs[i])
			if math.Abs(tr-res[i]) > 1e-12*scale {
				t.Errorf("%s[%d]: reported residual %.3g, true %.3g", name, i, res[i], tr)
			}
			if r.Converged && res[i] > tol*r.Scale {
				t.Errorf("%s[%d]: converged but residual %.3g > tol·scale %.3g", name, i, res[i], tol*r.Scale)
			}
		}
	}
	check("Top", r.Top, r.TopResiduals, r.TopVectors, func(i int) float64 { return asc[n-1-i] })
	check("Bottom", r.Bottom, r.BottomResiduals, r.BottomVectors, func(i int) float64 { return asc[i] })
}

// ---- tridiagonal ----

// TestTridiagRowsMatchesGonum checks the last-row QL against gonum's Dsteqr:
// eigenvalues to 1e-12·‖T‖ and |last-row components| to 1e-9 (eigenvector
// components are determined up to sign, and to ~eps·‖T‖/gap).
func TestTridiagRowsMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	for _, k := range []int{1, 2, 3, 10, 57, 150} {
		a := make([]float64, k)
		b := make([]float64, k)
		for i := range a {
			a[i] = rng.NormFloat64()
			b[i] = rng.Float64() + 0.1
		}
		if k > 20 {
			b[k/2] = 0 // a block structure, as after a Lanczos restart
			b[k/3] = 1e-14
		}
		vals, rows, ok := tridiagRows(a, b, []int{0, k - 1})
		if !ok {
			t.Fatalf("k=%d: QL did not converge", k)
		}
		gv, z, err := tridiagonalEigen(a, b)
		if err != nil {
			t.Fatal(err)
		}
		norm := numtest.MaxAbs(a) + 2*numtest.MaxAbs(b)
		for i := range vals {
			if math.Abs(vals[i]-gv[i]) > 1e-12*norm {
				t.Errorf("k=%d: value %d: %v vs gonum %v", k, i, vals[i], gv[i])
			}
			if d := math.Abs(math.Abs(rows[0][i]) - math.Abs(z[i])); d > 1e-9 {
				t.Errorf("k=%d: first row %d differs by %v", k, i, d)
			}
			if d := math.Abs(math.Abs(rows[1][i]) - math.Abs(z[(k-1)*k+i])); d > 1e-9 {
				t.Errorf("k=%d: last row %d differs by %v", k, i, d)
			}
		}
	}
}

// ---- Lanczos on known spectra ----

func TestLanczosDiagonal(t *testing.T) {
	n := 200
	lams := make([]float64, n)
	for i := range lams {
		lams[i] = float64(i+1) / float64(n) // 0.005 … 1, evenly spaced
	}
	lams[n-1] = 3 // one outlier
	lams[0] = -2  // one negative outlier
	a := diagDense(lams)
	const tol = 1e-10
	r, err := Lanczos(a, &LanczosSettings{Top: 3, Bottom: 3, Tol: tol, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Converged {
		t.Errorf("not converged after %d products", r.Products)
	}
	checkLanczos(t, a, lams, r, tol, 1e-8)
	t.Logf("diagonal n=%d: %d products", n, r.Products)
}

// TestLanczosConjugated uses Q·diag(λ)·Qᵀ with clustered, repeated and negative
// eigenvalues. Eigenvalues must match to 1e-8·max|λ|.
func TestLanczosConjugated(t *testing.T) {
	n := 300
	rng := rand.New(rand.NewPCG(11, 0))
	lams := make([]float64, n)
	for i := range lams {
		lams[i] = 2*rng.Float64() - 1 // bulk in [-1, 1]
	}
	// Clustered top: relative separation 1e-4.
	lams[0], lams[1], lams[2] = 10, 10-1e-3, 10-2e-3
	lams[3] = 7
	// Negative end: -6 and a cluster at -4.
	lams[4], lams[5], lams[6] = -6, -4, -4+1e-3
	// Repeated interior eigenvalues.
	for i := 7; i < 27; i++ {
		lams[i] = 0.5
	}
	a := spectralDense(lams, 5)
	const tol = 1e-10
	r, err := Lanczos(a, &LanczosSettings{Top: 4, Bottom: 3, Tol: tol, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Converged {
		t.Errorf("not converged after %d products", r.Products)
	}
	checkLanczos(t, a, lams, r, tol, 1e-8)
	t.Logf("clustered/negative n=%d: %d products, Dim %d", n, r.Products, r.Dim)
}

// hessianLike returns a spectrum shaped like Sagun et al.'s Hessians: n−k bulk
// eigenvalues near zero (spread ~1e-4, some negative) and k decaying positive
// outliers top·decay^i.
func hessianLike(n, k int, top, decay float64, seed int64) []float64 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	lams := make([]float64, n)
	for i := range lams {
		lams[i] = 3e-5*rng.NormFloat64() + 4e-5
	}
	for i := 0; i < k; i++ {
		lams[i] = top * math.Pow(decay, float64(i))
	}
	return lams
}

func TestLanczosBulkOutliers(t *testing.T) {
	n, k := 400, 5
	lams := hessianLike(n, k, 20, 0.6, 7)
	a := spectralDense(lams, 8)
	const tol = 1e-10

	// The outliers converge quickly.
	r, err := Lanczos(a, &LanczosSettings{Top: k, Tol: tol, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Converged {
		t.Errorf("top: not converged after %d products", r.Products)
	}
	checkLanczos(t, a, lams, r, tol, 1e-8)
	if r.Products > 80 {
		t.Errorf("top %d outliers took %d products, expected well under 80", k, r.Products)
	}
	t.Logf("bulk+%d outliers: top %d in %d products", k, k, r.Products)

	// The bottom of the bulk: the tolerance is relative to max|λ| = 20, so
	// residuals of 2e-9 suffice; the extreme bulk values of a Gaussian sample
	// are separated well enough for that.
	r, err = Lanczos(a, &LanczosSettings{Top: k, Bottom: 3, Tol: tol, Seed: 3, MaxProducts: n})
	if err != nil {
		t.Fatal(err)
	}
	checkLanczos(t, a, lams, r, tol, 1e-8)
	t.Logf("bulk+%d outliers: top %d + bottom 3 in %d products (converged %v)", k, k, r.Products, r.Converged)
}

func TestLanczosRank2Breakdown(t *testing.T) {
	n := 50
	rng := rand.New(rand.NewPCG(1, 0))
	u := make([]float64, n)
	w := make([]float64, n)
	gaussian(rng, u)
	gaussian(rng, w)
	floats.Scale(1/floats.Norm(u, 2), u)
	floats.AddScaled(w, -floats.Dot(u, w), u)
	floats.Scale(1/floats.Norm(w, 2), w)
	a := &Dense{N: n, Data: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			a.Data[i*n+j] = 3*u[i]*u[j] - w[i]*w[j]
		}
	}
	lams := make([]float64, n)
	lams[0], lams[1] = 3, -1

	// Krylov space of dimension 3 = {3, 0, -1}, then one restart to rule out a
	// second copy of 3 (and of -1): {0}. Top 2 = [3, 0], Bottom 2 = [-1, 0].
	r, err := Lanczos(a, &LanczosSettings{Top: 2, Bottom: 2, Tol: 1e-12, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r.Breakdowns != 2 || r.Dim != 4 || r.Products != 4 || !r.Converged {
		t.Errorf("rank 2: Breakdowns %d, Dim %d, Products %d, Converged %v; want 2, 4, 4, true", r.Breakdowns, r.Dim, r.Products, r.Converged)
	}
	checkLanczos(t, a, lams, r, 1e-12, 1e-12)

	// More than the invariant subspace holds: restarts find further zeros.
	r, err = Lanczos(a, &LanczosSettings{Top: 5, Tol: 1e-12, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Top) != 5 || r.Incomplete || !r.Converged {
		t.Errorf("rank 2, Top 5: got %v (incomplete %v, converged %v)", r.Top, r.Incomplete, r.Converged)
	}
	checkLanczos(t, a, lams, r, 1e-12, 1e-12)
	t.Logf("rank 2, Top 5: %v in %d products, %d breakdowns", r.Top, r.Products, r.Breakdowns)

	// Start vector in an invariant subspace: one step, β = 0, exact.
	alpha, beta, basis, err := lanczosTridiagonal(a, u, 10, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(alpha) != 1 || math.Abs(alpha[0]-3) > 1e-14 || beta[0] != 0 || len(basis) != 1 {
		t.Errorf("eigenvector start: alpha %v beta %v", alpha, beta)
	}
}

func TestLanczosDegenerate(t *testing.T) {
	// Zero operator.
	zero := &Dense{N: 30, Data: make([]float64, 900)}
	r, err := Lanczos(zero, &LanczosSettings{Top: 2, Bottom: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Top, []float64{0, 0}) || !slices.Equal(r.Bottom, []float64{0}) || !r.Converged || lanczosHasNaN(r) {
		t.Errorf("zero operator: %+v", r)
	}

	// n == 1.
	one := &Dense{N: 1, Data: []float64{-2.5}}
	r, err = Lanczos(one, &LanczosSettings{Top: 1, Bottom: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Top[0] != -2.5 || r.Bottom[0] != -2.5 || !r.Converged || r.Products != 1 || lanczosHasNaN(r) {
		t.Errorf("n=1: %+v", r)
	}

	// Top+Bottom > n: the lists overlap and are exact.
	d4 := diagDense([]float64{1, 2, 3, 4})
	r, err = Lanczos(d4, &LanczosSettings{Top: 3, Bottom: 3, Tol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if !floats.EqualApprox(r.Top, []float64{4, 3, 2}, 1e-12) || !floats.EqualApprox(r.Bottom, []float64{1, 2, 3}, 1e-12) || !r.Exhausted {
		t.Errorf("Top+Bottom > n: top %v bottom %v", r.Top, r.Bottom)
	}

	// Top > n: what exists, and say so.
	r, err = Lanczos(d4, &LanczosSettings{Top: 6, Tol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Top) != 4 || !r.Incomplete || !r.Exhausted || !r.Converged {
		t.Errorf("Top > n: %v incomplete %v exhausted %v converged %v", r.Top, r.Incomplete, r.Exhausted, r.Converged)
	}

	// Budget too small: not converged, no NaN, budget respected.
	a := spectralDense(hessianLike(200, 5, 1, 0.99, 1), 2)
	r, err = Lanczos(a, &LanczosSettings{Top: 5, Tol: 1e-12, MaxProducts: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r.Converged || r.Products != 8 || lanczosHasNaN(r) {
		t.Errorf("small budget: converged %v products %d", r.Converged, r.Products)
	}

	// Bad settings.
	for _, s := range []*LanczosSettings{{Top: -1}, {Top: 1, Tol: -1}, {Top: 1, MaxProducts: -3}} {
		if _, err := Lanczos(d4, s); err == nil {
			t.Errorf("settings %+v: no error", s)
		}
	}
}

// TestLanczosZeroValueIsDefault: a nil pointer and the zero value both ask
// for λ_max alone, as Top: 1 does.
func TestLanczosZeroValueIsDefault(t *testing.T) {
	a := spectralDense(hessianLike(100, 3, 5, 0.5, 1), 2)
	want, err := Lanczos(a, &LanczosSettings{Top: 1})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*LanczosSettings{"nil": nil, "zero value": {}} {
		r, err := Lanczos(a, s)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Top, want.Top) || len(r.Bottom) != 0 || r.Products != want.Products {
			t.Errorf("%s: top %v bottom %v in %d products; want top %v in %d", name, r.Top, r.Bottom, r.Products, want.Top, want.Products)
		}
	}
}

// failingOp returns an error after a number of products.
type failingOp struct {
	Operator
	left int
}

var errFail = errors.New("boom")

func (f *failingOp) Apply(dst, v []float64) error {
	if f.left == 0 {
		return errFail
	}
	f.left--
	return f.Operator.Apply(dst, v)
}

func TestLanczosOperatorError(t *testing.T) {
	op := &failingOp{Operator: diagDense([]float64{1, 2, 3, 4, 5, 6}), left: 2}
	if _, err := Lanczos(op, &LanczosSettings{Top: 3, Tol: 1e-14}); !errors.Is(err, errFail) {
		t.Errorf("error %v, want wrapped errFail", err)
	}
}

func TestLanczosDeterministicAndVerify(t *testing.T) {
	a := spectralDense(hessianLike(150, 4, 5, 0.5, 3), 4)
	var calls, lastProducts int
	s := &LanczosSettings{Top: 4, Bottom: 2, Seed: 42, Tol: 1e-9, Progress: func(st LanczosStatus) {
		calls++
		if st.Products <= lastProducts || st.Worst < 0 || math.IsNaN(st.Worst) {
			t.Errorf("progress not increasing or bad: %+v", st)
		}
		lastProducts = st.Products
	}}
	r1, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Error("Progress never called")
	}
	s.Progress = nil
	r2, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r1.Top, r2.Top) || !slices.Equal(r1.Bottom, r2.Bottom) || r1.Products != r2.Products || !slices.Equal(r1.TopVectors[0], r2.TopVectors[0]) {
		t.Error("same seed, different results")
	}
	s.Seed = 43
	r3, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(r1.TopVectors[0], r3.TopVectors[0]) {
		t.Error("different seeds gave bit-identical vectors")
	}
	if !floats.EqualApprox(r1.Top, r3.Top, 1e-9*5) {
		t.Errorf("different seeds: %v vs %v", r1.Top, r3.Top)
	}

	// Verify without kept products: explicit residuals, one counted product
	// per Ritz pair.
	s.Verify, s.ProductMemory = true, -1
	r4, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	if r4.Products != r3.Products+6 {
		t.Errorf("Verify products %d, want %d + 6", r4.Products, r3.Products)
	}
	for i := range r4.Top {
		if d := math.Abs(r4.TopResiduals[i] - r3.TopResiduals[i]); d > 1e-12*5 {
			t.Errorf("verified residual %v vs estimate %v", r4.TopResiduals[i], r3.TopResiduals[i])
		}
	}
}

// TestLanczosRepeatedTop documents the single-vector Krylov limitation: a
// repeated top eigenvalue is resolved only once the Krylov space is exhausted.
// With the budget n, the multiplicity is found exactly.
func TestLanczosRepeatedTop(t *testing.T) {
	n := 120
	lams := hessianLike(n, 0, 0, 0, 5)
	lams[0], lams[1], lams[2], lams[3] = 4, 4, 4, 2
	a := spectralDense(lams, 6)
	r, err := Lanczos(a, &LanczosSettings{Top: 4, Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	// Copies of a well-separated repeated eigenvalue emerge from rounding
	// errors within a few steps; this is not guaranteed, so only log it.
	t.Logf("repeated top, default budget: %v in %d products", r.Top, r.Products)
	if math.Abs(r.Top[0]-4) > 1e-8*4 {
		t.Errorf("top %v, want 4", r.Top[0])
	}
	// Ask for every direction: the Ritz values become exact with multiplicity.
	r, err = Lanczos(a, &LanczosSettings{Top: 4, Tol: 1e-300, MaxProducts: n})
	if err != nil {
		t.Fatal(err)
	}
	checkLanczos(t, a, lams, r, 1e-300, 1e-8)
	t.Logf("repeated top, budget n: %v", r.Top)
}

func TestLanczosTridiagonalNoReorth(t *testing.T) {
	lams := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	a := spectralDense(lams, 9)
	v0 := make([]float64, 8)
	for i := range v0 {
		v0[i] = 1
	}
	v0c := slices.Clone(v0)
	for _, reorth := range []bool{true, false} {
		alpha, beta, basis, err := lanczosTridiagonal(a, v0, 100, reorth)
		if err != nil {
			t.Fatal(err)
		}
		if len(alpha) != 8 || len(beta) != 8 {
			t.Fatalf("reorth %v: %d steps", reorth, len(alpha))
		}
		if reorth != (basis != nil) {
			t.Errorf("reorth %v: basis %v", reorth, basis != nil)
		}
		vals, _, err := tridiagonalEigen(alpha, beta)
		if err != nil {
			t.Fatal(err)
		}
		if !floats.EqualApprox(vals, lams, 1e-10) {
			t.Errorf("reorth %v: Ritz values %v", reorth, vals)
		}
	}
	if !slices.Equal(v0, v0c) {
		t.Error("v0 modified")
	}
}

// ExampleLanczos computes the two largest and the smallest eigenvalue of a
// small explicit matrix.
func ExampleLanczos() {
	// diag(-1, 0.5, 1, 2, 3) rotated by a fixed orthogonal matrix would do as
	// well; Lanczos only uses products.
	a := &Dense{N: 5, Data: []float64{
		-1, 0, 0, 0, 0,
		0, 0.5, 0, 0, 0,
		0, 0, 1, 0, 0,
		0, 0, 0, 2, 0,
		0, 0, 0, 0, 3,
	}}
	r, err := Lanczos(a, &LanczosSettings{Top: 2, Bottom: 1, Tol: 1e-10, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("top %.6f, bottom %.6f, converged %v\n", r.Top, r.Bottom, r.Converged)
	// Output:
	// top [3.000000 2.000000], bottom [-1.000000], converged true
}

// Verify from the kept products A·q_j (the default) gives the residuals new
// products give, to rounding (1e-12 of ‖A‖), without spending any product.
func TestLanczosVerifyFromKeptProducts(t *testing.T) {
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
	if kept.Products != fresh.Products-6 {
		t.Errorf("products %d, want %d − 6", kept.Products, fresh.Products)
	}
	for i := range kept.Top {
		if d := math.Abs(kept.TopResiduals[i] - fresh.TopResiduals[i]); d > 1e-12*kept.Scale {
			t.Errorf("top %d: residual from kept products %v, from new products %v", i, kept.TopResiduals[i], fresh.TopResiduals[i])
		}
	}
	for i := range kept.Bottom {
		if d := math.Abs(kept.BottomResiduals[i] - fresh.BottomResiduals[i]); d > 1e-12*kept.Scale {
			t.Errorf("bottom %d: residual from kept products %v, from new products %v", i, kept.BottomResiduals[i], fresh.BottomResiduals[i])
		}
	}
}

// A basis that outgrows ProductMemory drops the kept products and verifies
// with new ones.
func TestLanczosVerifyFallsBackBeyondProductMemory(t *testing.T) {
	a := spectralDense(hessianLike(150, 4, 5, 0.5, 3), 4)
	s := &LanczosSettings{Top: 4, Bottom: 2, Seed: 42, Tol: 1e-9, Verify: true, ProductMemory: -1}
	fresh, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	s.ProductMemory = 3 * 150 * 8 // three steps' products
	small, err := Lanczos(a, s)
	if err != nil {
		t.Fatal(err)
	}
	if small.Products != fresh.Products || !slices.Equal(small.TopResiduals, fresh.TopResiduals) {
		t.Errorf("beyond the bound: %d products, residuals %v; want %d and %v", small.Products, small.TopResiduals, fresh.Products, fresh.TopResiduals)
	}
}
