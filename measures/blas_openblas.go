//go:build openblas

package measures

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// vecBLAS is the BLAS Lanczos uses for its products with many basis vectors
// at once (panels): OpenBLAS in this build, with the thread count the program
// pinned (graph.SetBLASThreads; MINIMA_BLAS_THREADS in minima).
var vecBLAS blas.Float64 = netlib.Implementation{}
