//go:build openblas

package ops

// With the openblas tag, link OpenBLAS for gonum's netlib binding, so that
// `go test -tags openblas ./graph/ops/` runs the tests and benchmarks with
// the BLAS package graph uses in that build (see blas_openblas_test.go). The
// package itself never chooses a BLAS: it calls gorgonia's Mul.

// #cgo LDFLAGS: -lopenblas
import "C"
