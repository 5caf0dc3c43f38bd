package measures

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// This file holds the tridiagonal step shared by Lanczos and stochastic Lanczos
// quadrature: the eigendecomposition of the symmetric tridiagonal matrix T that
// the Lanczos recurrence produces.

// errTridiag is returned when neither the QL iteration nor the gonum fallback
// diagonalises a tridiagonal matrix (which would mean non-finite input).
var errTridiag = errors.New("measures: eigendecomposition of the tridiagonal matrix failed")

// tridiagonalEigen returns the eigenvalues of the symmetric tridiagonal matrix T
// with diagonal alpha and off-diagonal offdiag (T[i][i+1] = offdiag[i]; only the
// first len(alpha)-1 entries of offdiag are read, so the beta returned by
// lanczosTridiagonal can be passed as is) in ascending order, together with the
// orthonormal eigenvectors as the columns of a row-major len(alpha)×len(alpha)
// matrix z: eigenvector i is z[j*k+i], j = 0..k-1, with k = len(alpha).
//
// It uses gonum's implicit QL/QR routine (lapack Dsteqr), falling back to
// mat.EigenSym on a dense copy if that fails to converge.
func tridiagonalEigen(alpha, offdiag []float64) (values, z []float64, err error) {
	k := len(alpha)
	if k == 0 {
		return nil, nil, nil
	}
	if len(offdiag) < k-1 {
		return nil, nil, errors.New("measures: tridiagonalEigen: offdiag shorter than len(alpha)-1")
	}
	d := append([]float64(nil), alpha...)
	e := append([]float64(nil), offdiag[:k-1]...)
	z = make([]float64, k*k)
	work := make([]float64, max(1, 2*k-2))
	if (gonum.Implementation{}).Dsteqr(lapack.EVTridiag, k, d, e, z, k, work) {
		return d, z, nil
	}
	// Fallback: dense symmetric eigensolver.
	t := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		t.SetSym(i, i, alpha[i])
		if i+1 < k {
			t.SetSym(i, i+1, offdiag[i])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(t, true) {
		return nil, nil, errTridiag
	}
	var v mat.Dense
	es.VectorsTo(&v)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			z[i*k+j] = v.At(i, j)
		}
	}
	return es.Values(nil), z, nil
}

// tridiagRows computes the eigenvalues of the symmetric tridiagonal matrix with
// diagonal alpha and off-diagonal offdiag[:len(alpha)-1] in ascending order, and
// only the requested rows of the eigenvector matrix: out[r][i] is component
// rows[r] of eigenvector i.
//
// It is the implicit QL algorithm with Wilkinson-type shifts (EISPACK tql2, as in
// JAMA), except that the plane rotations are accumulated into the requested rows
// only. Each row of the eigenvector matrix is transformed independently
// (Z ← Z·G), so this is exact, and the cost is O(k²) instead of O(k³). Lanczos
// uses it with the last row, whose entries give the Ritz residual estimates,
// at every convergence check; the full decomposition is computed once at the end
// with tridiagonalEigen.
//
// ok is false if the iteration did not converge within 30k sweeps per
// eigenvalue, in which case the caller should fall back to tridiagonalEigen.
func tridiagRows(alpha, offdiag []float64, rows []int) (values []float64, out [][]float64, ok bool) {
	n := len(alpha)
	d := append([]float64(nil), alpha...)
	e := make([]float64, n)
	copy(e, offdiag[:max(0, n-1)])
	out = make([][]float64, len(rows))
	for r, row := range rows {
		out[r] = make([]float64, n)
		out[r][row] = 1
	}
	const eps = 0x1p-52
	f, tst1 := 0.0, 0.0
	for l := 0; l < n; l++ {
		tst1 = math.Max(tst1, math.Abs(d[l])+math.Abs(e[l]))
		m := l
		for m < n-1 && math.Abs(e[m]) > eps*tst1 {
			m++
		}
		if m > l {
			for iter := 0; ; iter++ {
				if iter > 30*n {
					return nil, nil, false
				}
				// Implicit shift.
				g := d[l]
				p := (d[l+1] - g) / (2 * e[l])
				r := math.Hypot(p, 1)
				if p < 0 {
					r = -r
				}
				d[l] = e[l] / (p + r)
				d[l+1] = e[l] * (p + r)
				dl1 := d[l+1]
				h := g - d[l]
				for i := l + 2; i < n; i++ {
					d[i] -= h
				}
				f += h
				// Implicit QL transformation.
				p = d[m]
				c, c2, c3 := 1.0, 1.0, 1.0
				el1 := e[l+1]
				s, s2 := 0.0, 0.0
				for i := m - 1; i >= l; i-- {
					c3 = c2
					c2 = c
					s2 = s
					g = c * e[i]
					h = c * p
					r = math.Hypot(p, e[i])
					e[i+1] = s * r
					s = e[i] / r
					c = p / r
					p = c*d[i] - s*g
					d[i+1] = h + s*(c*g+s*d[i])
					for _, z := range out {
						h = z[i+1]
						z[i+1] = s*z[i] + c*h
						z[i] = c*z[i] - s*h
					}
				}
				p = -s * s2 * c3 * el1 * e[l] / dl1
				e[l] = s * p
				d[l] = c * p
				if math.Abs(e[l]) <= eps*tst1 {
					break
				}
			}
		}
		d[l] += f
		e[l] = 0
	}
	// Selection sort into ascending order, permuting the tracked rows alike.
	for i := 0; i < n-1; i++ {
		k := i
		for j := i + 1; j < n; j++ {
			if d[j] < d[k] {
				k = j
			}
		}
		if k != i {
			d[i], d[k] = d[k], d[i]
			for _, z := range out {
				z[i], z[k] = z[k], z[i]
			}
		}
	}
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, false
		}
	}
	return d, out, true
}
