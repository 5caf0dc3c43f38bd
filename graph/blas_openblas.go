//go:build openblas

package graph

import (
	G "gorgonia.org/gorgonia"

	"github.com/minima-project/minima/internal/blasthreads"
)

// BLAS names the BLAS implementation this build uses.
const BLAS = "openblas"

// init makes OpenBLAS gorgonia's BLAS, each product on blasthreads.For's
// thread count (so the graphs' products, graph/ops' and the benchmark's floor
// all follow one rule), and pins the thread count.
func init() {
	G.Use(blasthreads.Implementation{})
	setBLASThreads(blasThreadsFromEnv())
}

// setBLASThreads pins OpenBLAS's thread count.
func setBLASThreads(n int) { blasthreads.SetThreads(n) }

// BLASThreads is the thread count pinned for OpenBLAS (products with a thin
// dimension run on one: blasthreads.For).
func BLASThreads() int { return blasthreads.Threads() }
