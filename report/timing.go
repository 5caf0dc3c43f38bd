package report

import "math"

// Timing is timing.json: the wall-clock seconds a result took. It is kept
// apart from the result files so that the same run gives byte-identical
// results.
type Timing struct {
	Seconds float64 `json:"seconds"`
	// StartupSeconds, where given, is the time from the process's start to
	// the start of the work Seconds measures (reading the model and the
	// samples, building the graphs).
	StartupSeconds float64 `json:"startup_seconds,omitempty"`
}

// WriteTiming writes t as timing.json (seconds rounded to microseconds, so a
// run shorter than a millisecond, as on a tiny model, is not written as 0)
// into ad.
func WriteTiming(ad *AtomicDir, t Timing) error {
	us := func(s float64) float64 { return math.Round(s*1e6) / 1e6 }
	return WriteJSON(ad.Path("timing.json"), Timing{Seconds: us(t.Seconds), StartupSeconds: us(t.StartupSeconds)})
}
