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

// WriteTiming writes t as timing.json (seconds rounded to milliseconds) into
// ad.
func WriteTiming(ad *AtomicDir, t Timing) error {
	ms := func(s float64) float64 { return math.Round(s*1000) / 1000 }
	return WriteJSON(ad.Path("timing.json"), Timing{Seconds: ms(t.Seconds), StartupSeconds: ms(t.StartupSeconds)})
}
