//go:build openblas

package blasthreads

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int num_threads);
// int openblas_get_num_threads(void);
import "C"

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

var (
	mu     sync.Mutex
	pinned = int(C.openblas_get_num_threads()) // guarded by mu
	// last is the thread count of the last product (for tests); guarded by mu.
	last int
)

// SetThreads pins OpenBLAS's thread count to n ≥ 1.
func SetThreads(n int) {
	mu.Lock()
	defer mu.Unlock()
	pinned = n
	C.openblas_set_num_threads(C.int(n))
}

// Threads is the pinned thread count (thin products run on one: For).
func Threads() int {
	mu.Lock()
	defer mu.Unlock()
	return pinned
}

// on runs f, an m×n×k product, on For(m, n, k, pinned) threads, after
// yielding the caller's P if it is due (yieldIfDue).
func on(m, n, k int, f func()) {
	yieldIfDue()
	mu.Lock()
	defer mu.Unlock()
	th := For(m, n, k, pinned)
	last = th
	if th == pinned {
		f()
		return
	}
	C.openblas_set_num_threads(C.int(th))
	defer C.openblas_set_num_threads(C.int(pinned))
	f()
}

// Implementation is gonum's netlib binding of OpenBLAS with its matrix
// products (gemm and gemv, float64 and float32) run on For's thread count.
// Its other routines are netlib's, at the pinned count.
type Implementation struct{ netlib.Implementation }

var (
	_ blas.Float64 = Implementation{}
	_ blas.Float32 = Implementation{}
)

// Dgemm is netlib's Dgemm on For(m, n, k) threads.
func (b Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, x []float64, ldx int, beta float64, c []float64, ldc int) {
	on(m, n, k, func() { b.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, x, ldx, beta, c, ldc) })
}

// Sgemm is netlib's Sgemm on For(m, n, k) threads.
func (b Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, x []float32, ldx int, beta float32, c []float32, ldc int) {
	on(m, n, k, func() { b.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, x, ldx, beta, c, ldc) })
}

// Dgemv is netlib's Dgemv on one thread (For(m, n, 1)).
func (b Implementation) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	on(m, n, 1, func() { b.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY) })
}

// Sgemv is netlib's Sgemv on one thread (For(m, n, 1)).
func (b Implementation) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	on(m, n, 1, func() { b.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY) })
}

// openBLASThreads is OpenBLAS's own current setting (for tests).
func openBLASThreads() int { return int(C.openblas_get_num_threads()) }
