//go:build openblas

package blasthreads

import (
	"testing"
	"time"

	"github.com/minima-project/minima/internal/numtest"
)

// yieldsOf runs one small product with the last yield set back by ago and
// returns how often it yielded.
func yieldsOf(t *testing.T, ago time.Duration) int {
	n, wasYield, wasLast := 0, gosched, lastYield.Load()
	t.Cleanup(func() { gosched = wasYield; lastYield.Store(wasLast) })
	gosched = func() { n++ }
	lastYield.Store(int64(time.Since(epoch) - ago))
	dgemm(4, 4, 4, numtest.Gaussian(16, 1, 1), numtest.Gaussian(16, 1, 2))
	return n
}

// A product started YieldEvery after the last yield yields first.
func TestProductYieldsWhenDue(t *testing.T) {
	if n := yieldsOf(t, YieldEvery); n != 1 {
		t.Fatalf("%d yields, want 1", n)
	}
}

// A product started right after a yield does not yield.
func TestProductDoesNotYieldBeforeDue(t *testing.T) {
	if n := yieldsOf(t, 0); n != 0 {
		t.Fatalf("%d yields, want 0", n)
	}
}

// A yield records its time, so the next product does not yield again.
func TestYieldRecordsItsTime(t *testing.T) {
	before := int64(time.Since(epoch))
	yieldsOf(t, time.Hour)
	if got := lastYield.Load(); got < before {
		t.Fatalf("last yield at %d ns, before the product (%d ns)", got, before)
	}
}
