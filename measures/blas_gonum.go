//go:build !openblas

package measures

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// vecBLAS is the BLAS Lanczos uses for its products with many basis vectors
// at once (panels): gonum's pure Go implementation in this build. Build with
// -tags openblas for OpenBLAS.
var vecBLAS blas.Float64 = gonum.Implementation{}
