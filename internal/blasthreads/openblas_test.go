//go:build openblas

package blasthreads

import (
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/minima-project/minima/internal/numtest"
)

// pin sets the pinned count to n for one test.
func pin(t *testing.T, n int) {
	was := Threads()
	t.Cleanup(func() { SetThreads(was) })
	SetThreads(n)
}

// dgemm computes the m×n×k product of a and b and returns it with the thread
// count it ran on.
func dgemm(m, n, k int, a, b []float64) ([]float64, int) {
	c := make([]float64, m*n)
	Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
	return c, lastThreads()
}

// lastThreads is the thread count of the last product.
func lastThreads() int {
	mu.Lock()
	defer mu.Unlock()
	return last
}

// A thin product (the output layer's 1,000×10×256) runs on one thread at a
// pinned count of 2.
func TestThinProductRunsOnOneThread(t *testing.T) {
	pin(t, 2)
	if _, th := dgemm(1000, 10, 256, numtest.Gaussian(256000, 1, 1), numtest.Gaussian(2560, 1, 2)); th != 1 {
		t.Fatalf("thin product ran on %d threads, want 1", th)
	}
}

// After a thin product OpenBLAS's own setting is the pinned count again.
func TestThinProductRestoresOpenBLASThreads(t *testing.T) {
	pin(t, 2)
	dgemm(1000, 10, 256, numtest.Gaussian(256000, 1, 1), numtest.Gaussian(2560, 1, 2))
	if got := openBLASThreads(); got != 2 {
		t.Fatalf("OpenBLAS on %d threads after a thin product, want 2", got)
	}
}

// A product with no thin dimension runs on the pinned count.
func TestWideProductRunsOnPinnedThreads(t *testing.T) {
	pin(t, 2)
	if _, th := dgemm(300, 64, 200, numtest.Gaussian(60000, 1, 3), numtest.Gaussian(12800, 1, 4)); th != 2 {
		t.Fatalf("product ran on %d threads, want 2", th)
	}
}

// A matrix-vector product runs on one thread.
func TestGemvRunsOnOneThread(t *testing.T) {
	pin(t, 2)
	y := make([]float64, 1000)
	Implementation{}.Dgemv(blas.NoTrans, 1000, 500, 1, numtest.Gaussian(500000, 1, 5), 500, numtest.Gaussian(500, 1, 6), 1, 0, y, 1)
	if th := lastThreads(); th != 1 {
		t.Fatalf("matrix-vector product ran on %d threads, want 1", th)
	}
}

// A thin product's values at a pinned count of 2 are its 1-thread values, bit
// for bit. The product is 10×256×1,000 (a thin m and a long k), whose 1- and
// 2-thread values differ in some last bits on the project's machines (454 of
// its 2,560 values on one).
func TestThinProductHasOneThreadBits(t *testing.T) {
	a, b := numtest.Gaussian(10000, 1, 7), numtest.Gaussian(256000, 1, 8)
	pin(t, 2)
	two, _ := dgemm(10, 256, 1000, a, b)
	SetThreads(1)
	one, _ := dgemm(10, 256, 1000, a, b)
	if !slices.Equal(two, one) {
		t.Fatal("thin product at 2 pinned threads differs from its 1-thread values")
	}
}
