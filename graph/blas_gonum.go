//go:build !openblas

package graph

import "runtime"

// BLAS names the BLAS implementation this build uses: gonum's pure Go one. Build
// with -tags openblas (needs Debian's libopenblas-dev) for OpenBLAS.
const BLAS = "gonum"

// setBLASThreads does nothing: gonum's BLAS runs on GOMAXPROCS goroutines and
// its results do not depend on their number (each block of a product is
// computed whole by one goroutine).
func setBLASThreads(int) {}

// BLASThreads is the number of threads the BLAS may use (GOMAXPROCS for gonum).
func BLASThreads() int { return runtime.GOMAXPROCS(0) }
