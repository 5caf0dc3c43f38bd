//go:build openblas

package graph

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int num_threads);
import "C"

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// BLAS names the BLAS implementation this build uses.
const BLAS = "openblas"

func init() {
	G.Use(openBLAS{})
	setBLASThreads(blasThreadsFromEnv())
}

// openBLAS is gonum's netlib binding of OpenBLAS, gorgonia's BLAS in this
// build (so every product of the graphs, of graph/ops and of the benchmark's
// floor goes through it), with one addition: each matrix product runs on
// productThreads of the pinned count. OpenBLAS's thread count is one setting
// for the whole process, so the products hold blasMu while they set it, run
// and restore it: two products never see each other's setting, and a
// product's threads, and so its bits, depend only on its shape.
type openBLAS struct{ netlib.Implementation }

var (
	blasMu sync.Mutex
	pinned int // the thread count set by setBLASThreads; guarded by blasMu
	// lastThreads is the thread count of the last product (for tests);
	// guarded by blasMu.
	lastThreads int
)

// setBLASThreads pins OpenBLAS's thread count.
func setBLASThreads(n int) {
	blasMu.Lock()
	defer blasMu.Unlock()
	pinned = n
	C.openblas_set_num_threads(C.int(n))
}

// BLASThreads is the thread count pinned for OpenBLAS (products with a thin
// dimension run on one: productThreads).
func BLASThreads() int {
	blasMu.Lock()
	defer blasMu.Unlock()
	return pinned
}

// onThreads runs f, an m×n×k product, on productThreads(m, n, k, pinned).
func onThreads(m, n, k int, f func()) {
	blasMu.Lock()
	defer blasMu.Unlock()
	th := productThreads(m, n, k, pinned)
	lastThreads = th
	if th == pinned {
		f()
		return
	}
	C.openblas_set_num_threads(C.int(th))
	defer C.openblas_set_num_threads(C.int(pinned))
	f()
}

// Dgemm is netlib's Dgemm on productThreads threads.
func (b openBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, x []float64, ldx int, beta float64, c []float64, ldc int) {
	onThreads(m, n, k, func() { b.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, x, ldx, beta, c, ldc) })
}

// Sgemm is netlib's Sgemm on productThreads threads.
func (b openBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, x []float32, ldx int, beta float32, c []float32, ldc int) {
	onThreads(m, n, k, func() { b.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, x, ldx, beta, c, ldc) })
}
