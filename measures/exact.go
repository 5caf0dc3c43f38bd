package measures

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// DefaultExactLimit is the largest dimension for which DenseMatrix and
// ExactSpectrum build the dense matrix unless told otherwise. Sagun et al.'s
// networks (~5,000 parameters) fit; a 6000×6000 float64 matrix is 288 MB, and
// the eigendecomposition needs about three such matrices with vectors (two
// without).
const DefaultExactLimit = 6000

// ErrExactLimit is wrapped by the error DenseMatrix and ExactSpectrum return
// when the operator is larger than the limit.
var ErrExactLimit = errors.New("measures: operator too large for the exact spectrum")

// DenseMatrix builds the dense matrix of op from its n products with the basis
// vectors e_j (column j = A·e_j), symmetrises it as (A+Aᵀ)/2 and returns it with
// the asymmetry max_ij |A_ij − A_ji| of the matrix before symmetrisation, which
// measures how far op is from symmetric (for an exact Hessian product it is
// rounding, ~1e-15·max|A_ij|).
//
// limit ≤ 0 means DefaultExactLimit; n > limit is refused with an error that
// wraps ErrExactLimit. The matrix takes 8n² bytes. Non-finite products are an
// error.
func DenseMatrix(op Operator, limit int) (a *mat.SymDense, asymmetry float64, err error) {
	n := op.Dim()
	if limit <= 0 {
		limit = DefaultExactLimit
	}
	if n <= 0 {
		return nil, 0, fmt.Errorf("measures: DenseMatrix: operator dimension %d", n)
	}
	if n > limit {
		return nil, 0, fmt.Errorf("%w: n = %d exceeds the exact-spectrum limit %d (a dense %d×%d matrix is %.0f MB; raise the limit with --exact-limit, or use Lanczos)",
			ErrExactLimit, n, limit, n, n, 8*float64(n)*float64(n)/1e6)
	}
	// Row j of data receives column j of A (= A·e_j), i.e. data holds Aᵀ; the
	// symmetrisation below does not care.
	data := make([]float64, n*n)
	e := make([]float64, n)
	for j := 0; j < n; j++ {
		e[j] = 1
		col := data[j*n : (j+1)*n]
		if err := op.Apply(col, e); err != nil {
			return nil, 0, fmt.Errorf("measures: DenseMatrix: product with e_%d: %w", j, err)
		}
		e[j] = 0
		for _, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("measures: DenseMatrix: product with e_%d is not finite", j)
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			aij, aji := data[i*n+j], data[j*n+i]
			asymmetry = math.Max(asymmetry, math.Abs(aij-aji))
			m := 0.5 * (aij + aji)
			data[i*n+j], data[j*n+i] = m, m
		}
	}
	return mat.NewSymDense(n, data), asymmetry, nil
}

// ExactSettings configures ExactSpectrum.
type ExactSettings struct {
	// Limit is the largest dimension accepted; 0 means DefaultExactLimit.
	Limit int
	// Vectors requests the eigenvectors as well.
	Vectors bool
}

// ExactResult is the outcome of ExactSpectrum.
type ExactResult struct {
	Values    []float64  // all n eigenvalues, ascending
	Vectors   *mat.Dense // n×n, column i is the unit eigenvector of Values[i]; nil unless requested
	Asymmetry float64    // max |A_ij − A_ji| before symmetrisation (see DenseMatrix)
	Products  int        // operator products: n
}

// ExactSpectrum computes all eigenvalues (and optionally eigenvectors) of op
// from its dense matrix (DenseMatrix) with gonum's mat.EigenSym (LAPACK dsyev).
// It is meant for small models and as ground truth for the iterative methods.
// A nil s means the defaults.
func ExactSpectrum(op Operator, s *ExactSettings) (*ExactResult, error) {
	if s == nil {
		s = &ExactSettings{}
	}
	a, asym, err := DenseMatrix(op, s.Limit)
	if err != nil {
		return nil, err
	}
	var es mat.EigenSym
	if !es.Factorize(a, s.Vectors) {
		return nil, errors.New("measures: ExactSpectrum: eigendecomposition failed")
	}
	res := &ExactResult{Values: es.Values(nil), Asymmetry: asym, Products: a.SymmetricDim()}
	if s.Vectors {
		res.Vectors = &mat.Dense{}
		es.VectorsTo(res.Vectors)
	}
	return res, nil
}
