//go:build openblas

package ops

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// With the openblas tag the tests and benchmarks use OpenBLAS, as package
// graph does in that build.
func init() { G.Use(netlib.Implementation{}) }
