package measures

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/minima-project/minima/internal/numtest"
)

// TestExactSpectrum: all eigenvalues of Q·diag(λ)·Qᵀ to 1e-10·max|λ| (the
// dense solver is backward stable, errors ~1e-15·n·‖A‖), eigenvectors with
// ‖Av − λv‖ ≤ 1e-10·max|λ|, asymmetry 0 for an exactly symmetric matrix.
func TestExactSpectrum(t *testing.T) {
	lams := hessianLike(120, 4, 8, 0.5, 2)
	lams[50], lams[51] = -0.3, -0.3 // repeated negative
	a := spectralDense(lams, 3)
	r, err := ExactSpectrum(a, &ExactSettings{Vectors: true})
	if err != nil {
		t.Fatal(err)
	}
	want := ascending(lams)
	scale := numtest.MaxAbs(lams)
	for i, v := range r.Values {
		if math.Abs(v-want[i]) > 1e-10*scale {
			t.Errorf("value %d = %.15g, want %.15g", i, v, want[i])
		}
	}
	if r.Products != 120 || r.Asymmetry != 0 {
		t.Errorf("products %d asymmetry %v", r.Products, r.Asymmetry)
	}
	for i, v := range r.Values {
		col := mat.Col(nil, i, r.Vectors)
		if res := trueResidual(t, a, v, col); res > 1e-10*scale {
			t.Errorf("vector %d residual %v", i, res)
		}
	}
	// Without vectors.
	r2, err := ExactSpectrum(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Vectors != nil || len(r2.Values) != 120 {
		t.Errorf("no-vector result: %d values, vectors %v", len(r2.Values), r2.Vectors != nil)
	}
}

// TestDenseMatrixAsymmetry: the asymmetry of a non-symmetric operator is
// reported exactly and the result is the symmetric part.
func TestDenseMatrixAsymmetry(t *testing.T) {
	d := &Dense{N: 3, Data: []float64{
		1, 2, 3,
		2, 5, 6.5,
		3, 6, 9,
	}}
	s, asym, err := DenseMatrix(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	if asym != 0.5 {
		t.Errorf("asymmetry %v, want 0.5", asym)
	}
	if s.At(1, 2) != 6.25 || s.At(2, 1) != 6.25 || s.At(0, 1) != 2 || s.At(2, 2) != 9 {
		t.Errorf("symmetrised matrix %v", mat.Formatted(s))
	}
}

// bigOp has a large dimension and must never be multiplied.
type bigOp struct {
	n int
	t *testing.T
}

func (b bigOp) Dim() int { return b.n }
func (b bigOp) Apply(dst, v []float64) error {
	b.t.Error("product on an operator over the limit")
	return nil
}

func TestExactLimit(t *testing.T) {
	for _, c := range []struct {
		op    Operator
		limit int
	}{
		{bigOp{DefaultExactLimit + 1, t}, 0},
		{diagDense([]float64{1, 2, 3, 4}), 3},
	} {
		_, err := ExactSpectrum(c.op, &ExactSettings{Limit: c.limit})
		if err == nil || !errors.Is(err, ErrExactLimit) || !strings.Contains(err.Error(), "--exact-limit") {
			t.Errorf("n=%d limit %d: error %v, want ErrExactLimit naming --exact-limit", c.op.Dim(), c.limit, err)
		}
	}
	// At the limit it works.
	if _, _, err := DenseMatrix(diagDense([]float64{1, 2, 3}), 3); err != nil {
		t.Error(err)
	}
	if DefaultExactLimit < 5000 {
		t.Error("DefaultExactLimit must fit Sagun et al.'s ~5,000-parameter networks")
	}
}

func TestDenseMatrixNonFinite(t *testing.T) {
	d := &Dense{N: 2, Data: []float64{1, math.NaN(), 0, 1}}
	if _, _, err := DenseMatrix(d, 0); err == nil {
		t.Error("NaN entry accepted")
	}
}
