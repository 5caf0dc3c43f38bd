//go:build openblas

package graph

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int num_threads);
// int openblas_get_num_threads(void);
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// BLAS names the BLAS implementation this build uses.
const BLAS = "openblas"

func init() {
	G.Use(netlib.Implementation{})
	setBLASThreads(blasThreadsFromEnv())
}

// setBLASThreads sets OpenBLAS's thread count.
func setBLASThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// BLASThreads is the number of threads the BLAS uses.
func BLASThreads() int { return int(C.openblas_get_num_threads()) }
