package graph

import (
	"fmt"
	"os"
	"strconv"
)

// DefaultBLASThreads is the OpenBLAS thread count minima pins at start-up
// unless MINIMA_BLAS_THREADS says otherwise. OpenBLAS's results depend on its
// thread count (last bits: 8.8e-14 relative between 1, 2 and 8 threads), so a
// fixed default, not the machine's core count, keeps "same seed, same bits"
// true across machines of the same kind; 2 is the project's machine kind.
const DefaultBLASThreads = 2

// ThinProductDim is the largest dimension that makes a matrix product thin:
// one with m, n or k at most this runs on one OpenBLAS thread whatever the
// pinned count (productThreads). OpenBLAS splits a thin product over its
// threads at a loss. On the project's 2-core machines these took 1.08–2.81×
// their 1-thread time on 2 threads: the output layer's 1,000×10×256 and
// 1,000×256×10, and the default CNN's convolutions with 8 and 16 channels.
// The thin shapes 2 threads ran faster ran only slightly faster (0.92× for
// 10×256×1,000, 0.96× for 16×200×16,000). Products whose dimensions were all
// 64 or more took 0.64–0.89× (docs/experiments/thin.c).
const ThinProductDim = 16

// productThreads is the OpenBLAS thread count of an m×n×k product (op(A) m×k,
// op(B) k×n) when the pinned count is pinned: 1 for a thin product, pinned
// otherwise.
func productThreads(m, n, k, pinned int) int {
	if min(m, n, k) <= ThinProductDim {
		return 1
	}
	return pinned
}

// BLASThreadsEnv is the environment variable that overrides DefaultBLASThreads
// (a positive integer).
const BLASThreadsEnv = "MINIMA_BLAS_THREADS"

// blasThreadsFromEnv returns the thread count to pin: MINIMA_BLAS_THREADS when
// it is a positive integer, DefaultBLASThreads otherwise (an invalid value is
// reported on stderr once, not silently ignored).
func blasThreadsFromEnv() int {
	s := os.Getenv(BLASThreadsEnv)
	if s == "" {
		return DefaultBLASThreads
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1024 {
		fmt.Fprintf(os.Stderr, "minima: ignoring %s=%q (want an integer in [1, 1024]); using %d BLAS threads\n", BLASThreadsEnv, s, DefaultBLASThreads)
		return DefaultBLASThreads
	}
	return n
}

// SetBLASThreads pins the BLAS thread count (OpenBLAS builds; gonum's BLAS
// ignores it). Results are reproducible bit for bit only at the same count.
func SetBLASThreads(n int) error {
	if n < 1 {
		return fmt.Errorf("graph: BLAS threads must be ≥ 1, got %d", n)
	}
	setBLASThreads(n)
	return nil
}
