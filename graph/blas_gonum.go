//go:build !openblas

package graph

// BLAS names the BLAS implementation this build uses: gonum's pure Go one. Build
// with -tags openblas (needs Debian's libopenblas-dev) for OpenBLAS.
const BLAS = "gonum"
