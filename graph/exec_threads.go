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
