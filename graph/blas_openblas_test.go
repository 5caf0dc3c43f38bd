//go:build openblas

package graph

import (
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// dgemmThreads computes the m×n×k product of a and b with gorgonia's BLAS and
// returns it with the thread count that product ran on.
func dgemmThreads(m, n, k int, a, b []float64) ([]float64, int) {
	c := make([]float64, m*n)
	G.WhichBLAS().Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
	blasMu.Lock()
	defer blasMu.Unlock()
	return c, lastThreads
}

// gorgonia's BLAS runs a thin product (the output layer's 1,000×10×256) on
// one thread at a pinned count of 2, and leaves the pinned count as it was.
func TestThinProductRunsOnOneThread(t *testing.T) {
	pinned := BLASThreads()
	t.Cleanup(func() { SetBLASThreads(pinned) })
	SetBLASThreads(2)
	if _, th := dgemmThreads(1000, 10, 256, randomVec(256000, 1, 1), randomVec(2560, 1, 2)); th != 1 {
		t.Fatalf("thin product ran on %d threads, want 1", th)
	}
	if got := BLASThreads(); got != 2 {
		t.Fatalf("pinned count %d after a thin product, want 2", got)
	}
}

// A product with no thin dimension runs on the pinned count.
func TestWideProductRunsOnPinnedThreads(t *testing.T) {
	pinned := BLASThreads()
	t.Cleanup(func() { SetBLASThreads(pinned) })
	SetBLASThreads(2)
	if _, th := dgemmThreads(300, 64, 200, randomVec(60000, 1, 3), randomVec(12800, 1, 4)); th != 2 {
		t.Fatalf("product ran on %d threads, want 2", th)
	}
}

// A thin product's values at a pinned count of 2 are its 1-thread values, bit
// for bit. The product is 10×256×1,000 (a thin m and a long k), whose 1- and
// 2-thread values differ in some last bits on the project's machines (454 of
// its 2,560 values on one).
func TestThinProductHasOneThreadBits(t *testing.T) {
	pinned := BLASThreads()
	t.Cleanup(func() { SetBLASThreads(pinned) })
	a, b := randomVec(10000, 1, 7), randomVec(256000, 1, 8)
	SetBLASThreads(2)
	two, _ := dgemmThreads(10, 256, 1000, a, b)
	SetBLASThreads(1)
	one, _ := dgemmThreads(10, 256, 1000, a, b)
	if !slices.Equal(two, one) {
		t.Fatal("thin product at 2 pinned threads differs from its 1-thread values")
	}
}
