//go:build openblas

package measures

import (
	"gonum.org/v1/gonum/blas"

	"github.com/minima-project/minima/internal/blasthreads"
)

// vecBLAS is the BLAS Lanczos uses for its products with many basis vectors
// at once (panels): OpenBLAS in this build, at the thread count the program
// pinned (graph.SetBLASThreads; MINIMA_BLAS_THREADS in minima), its thin
// products and matrix-vector products on one thread (blasthreads.For).
var vecBLAS blas.Float64 = blasthreads.Implementation{}
