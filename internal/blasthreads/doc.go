// Package blasthreads holds minima's rule for OpenBLAS's threads and, in the
// OpenBLAS build (-tags openblas), the BLAS that applies it: gonum's netlib
// binding of OpenBLAS whose matrix products each run on For(m, n, k, pinned)
// threads. gorgonia's graphs (graph) and Lanczos' panels (measures) both use
// it, so every product minima runs follows one rule.
//
// OpenBLAS splits a product over its threads even when one of its dimensions
// is tiny, and there the second thread costs more than it brings; a product
// with a dimension of at most ThinDim therefore runs on one thread (a
// matrix-vector product, whose third dimension is 1, always does). OpenBLAS's
// thread count is one setting for the whole process, so each product holds a
// lock while it sets the count, runs and restores it: two products never see
// each other's setting, and a product's thread count, and so its bits, depend
// only on its shape and the pinned count.
//
// A caller that runs product after product for longer than 10 ms without
// blocking draws Go's system monitor into waking every few tens of
// microseconds, pre-empting the threads that compute the products; so before
// a product the caller yields to Go's scheduler if it has not done so for
// YieldEvery (yield.go says why in full).
package blasthreads
