//go:build openblas

package blasthreads

import (
	"runtime"
	"sync/atomic"
	"time"
)

// YieldEvery is how often, at most, a product's caller yields its P to Go's
// scheduler (runtime.Gosched) before the product starts.
//
// Why: Go's system monitor (sysmon) takes the P from a goroutine that has run
// on one scheduling tick for 10 ms and is in a cgo call at that moment, and
// after taking one it wakes every 20 µs (about every 60–100 µs here, timer slack
// included) at least 50 times. A goroutine that evaluates a gradient or an HVP
// spends most of its time in OpenBLAS, never blocks and so keeps its tick: left
// alone, it lost its P every 10 ms, and sysmon's wakes, about 45 per 20 ms
// gradient, each pre-empted one of the two threads computing a product on a
// 2-core machine, so the other waited for it. Yielding every few milliseconds
// moves the tick on, sysmon finds nothing to take and sleeps up to 10 ms at a
// time: the 2-thread gradient's context switches fell from 27,842 to 5,549
// over 300 evaluations, and its time from 20.4 to 18.4 ms (`perf stat -e
// context-switches,syscalls:sys_enter_nanosleep` over
// `go test -tags openblas -run - -bench 'Gradient$' -benchtime 300x ./internal/bench`).
// A yield with nothing else to run costs a few microseconds.
const YieldEvery = 2 * time.Millisecond

var (
	epoch     = time.Now()
	lastYield atomic.Int64 // nanoseconds since epoch (monotonic)
	gosched   = runtime.Gosched
)

// yieldIfDue yields the caller's P if no product has done so for YieldEvery.
func yieldIfDue() {
	now := int64(time.Since(epoch))
	if now-lastYield.Load() < int64(YieldEvery) {
		return
	}
	lastYield.Store(now)
	gosched()
}
