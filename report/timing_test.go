package report

import (
	"path/filepath"
	"testing"
)

// TestTimingKeepsSubMillisecondRuns: a run of 0.3 ms is written as 0.0003 s,
// not rounded to 0 (hessian on a tiny model can be that fast).
func TestTimingKeepsSubMillisecondRuns(t *testing.T) {
	d, err := NewAtomicDir(filepath.Join(t.TempDir(), "r"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTiming(d, Timing{Seconds: 0.0003, StartupSeconds: 0.25}); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	var got Timing
	if err := ReadJSON(filepath.Join(d.Final(), "timing.json"), &got); err != nil {
		t.Fatal(err)
	}
	if got != (Timing{Seconds: 0.0003, StartupSeconds: 0.25}) {
		t.Fatalf("timing.json %+v, want seconds 0.0003 and startup_seconds 0.25", got)
	}
}
