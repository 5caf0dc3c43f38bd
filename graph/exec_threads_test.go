package graph

import (
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

// The BLAS thread count is pinned at start-up: DefaultBLASThreads, or
// MINIMA_BLAS_THREADS when set (OpenBLAS builds; gonum reports GOMAXPROCS).
func TestBLASThreadsPinnedAtStartUp(t *testing.T) {
	if BLAS != "openblas" {
		t.Skip("gonum's BLAS has no thread count to pin")
	}
	want := DefaultBLASThreads
	if s := os.Getenv(BLASThreadsEnv); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			want = n
		}
	}
	if got := BLASThreads(); got != want {
		t.Fatalf("BLAS threads %d at start-up, want %d", got, want)
	}
}

// Same thread count, same bits: an HVP large enough for OpenBLAS to split its
// products, computed at the pinned count, then at 1 thread, then at the pinned
// count again, gives the first result back exactly.
func TestSameBLASThreadsSameBits(t *testing.T) {
	pinned := BLASThreads()
	t.Cleanup(func() { SetBLASThreads(pinned) })
	s := MLP(300, []int{128}, 10, true, loss.CrossEntropy)
	o := mustObjective(t, s, randomSet(500, s.Inputs(), s.Outputs(), 21), 0)
	n := o.Dim()
	theta, v := randomVec(n, 0.05, 22), randomVec(n, 1, 23)
	hvp := func() []float64 {
		hv := make([]float64, n)
		if _, err := o.HVP(hv, nil, theta, v); err != nil {
			t.Fatal(err)
		}
		return hv
	}
	first := hvp()
	if err := SetBLASThreads(1); err != nil {
		t.Fatal(err)
	}
	one := hvp()
	if err := SetBLASThreads(pinned); err != nil {
		t.Fatal(err)
	}
	if again := hvp(); !slices.Equal(first, again) {
		t.Fatalf("HVP at %d BLAS threads changed after a run at 1 thread", pinned)
	}
	t.Logf("%s, %d threads vs 1: max relative difference %.3g", BLAS, pinned, numtest.MaxRelDiff(one, first))
}
