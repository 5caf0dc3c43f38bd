package main

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/minima-project/minima/report"
)

// TestSinceStartCountsFromTheProcess: the process's age is at least the time
// since package main was initialised and not a second more (the test
// binary's start-up and a clock tick lie between them); on Linux it is read
// from /proc.
func TestSinceStartCountsFromTheProcess(t *testing.T) {
	d, m := sinceStart(), time.Since(mainStarted)
	if d < m || d > m+time.Second {
		t.Fatalf("since the process started %v, since main was initialised %v", d, m)
	}
	if _, ok := processAge(); runtime.GOOS == "linux" && !ok {
		t.Fatal("processAge: /proc/self/stat not read on Linux")
	}
	t.Logf("process age %v, since main initialised %v", d, m)
}

// TestHessianTimingHasStartup: hessian's timing.json gives the start-up (to
// the spectrum's start) beside the spectrum's seconds.
func TestHessianTimingHasStartup(t *testing.T) {
	out := filepath.Join(t.TempDir(), "h")
	runOK(t, "hessian", "--model", sharedClustersModel(t), "--top", "2", "--bottom", "0", "--out", out, "--quiet")
	var timing report.Timing
	if err := report.ReadJSON(filepath.Join(out, "timing.json"), &timing); err != nil {
		t.Fatal(err)
	}
	if !(timing.StartupSeconds > 0) || !(timing.Seconds > 0) {
		t.Fatalf("timing.json %+v: want positive seconds and startup_seconds", timing)
	}
}
