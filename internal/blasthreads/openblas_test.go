//go:build openblas

package blasthreads

import (
	"math/rand"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
)

func random(n int, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

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
	mu.Lock()
	defer mu.Unlock()
	return c, last
}

// A thin product (the output layer's 1,000×10×256) runs on one thread at a
// pinned count of 2.
func TestThinProductRunsOnOneThread(t *testing.T) {
	pin(t, 2)
	if _, th := dgemm(1000, 10, 256, random(256000, 1), random(2560, 2)); th != 1 {
		t.Fatalf("thin product ran on %d threads, want 1", th)
	}
}

// After a thin product OpenBLAS's own setting is the pinned count again.
func TestThinProductRestoresOpenBLASThreads(t *testing.T) {
	pin(t, 2)
	dgemm(1000, 10, 256, random(256000, 1), random(2560, 2))
	if got := openBLASThreads(); got != 2 {
		t.Fatalf("OpenBLAS on %d threads after a thin product, want 2", got)
	}
}

// A product with no thin dimension runs on the pinned count.
func TestWideProductRunsOnPinnedThreads(t *testing.T) {
	pin(t, 2)
	if _, th := dgemm(300, 64, 200, random(60000, 3), random(12800, 4)); th != 2 {
		t.Fatalf("product ran on %d threads, want 2", th)
	}
}

// A matrix-vector product runs on one thread.
func TestGemvRunsOnOneThread(t *testing.T) {
	pin(t, 2)
	y := make([]float64, 1000)
	Implementation{}.Dgemv(blas.NoTrans, 1000, 500, 1, random(500000, 5), 500, random(500, 6), 1, 0, y, 1)
	mu.Lock()
	defer mu.Unlock()
	if last != 1 {
		t.Fatalf("matrix-vector product ran on %d threads, want 1", last)
	}
}

// A thin product's values at a pinned count of 2 are its 1-thread values, bit
// for bit. The product is 10×256×1,000 (a thin m and a long k), whose 1- and
// 2-thread values differ in some last bits on the project's machines (454 of
// its 2,560 values on one).
func TestThinProductHasOneThreadBits(t *testing.T) {
	a, b := random(10000, 7), random(256000, 8)
	pin(t, 2)
	two, _ := dgemm(10, 256, 1000, a, b)
	SetThreads(1)
	one, _ := dgemm(10, 256, 1000, a, b)
	if !slices.Equal(two, one) {
		t.Fatal("thin product at 2 pinned threads differs from its 1-thread values")
	}
}
