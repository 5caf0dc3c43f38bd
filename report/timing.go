package report

import "math"

// Timing is timing.json: the wall-clock seconds a result took. It is kept
// apart from the result files so that the same run gives byte-identical
// results.
type Timing struct {
	Seconds float64 `json:"seconds"`
}

// WriteTiming writes timing.json (seconds rounded to milliseconds) into ad.
func WriteTiming(ad *AtomicDir, seconds float64) error {
	return WriteJSON(ad.Path("timing.json"), Timing{Seconds: math.Round(seconds*1000) / 1000})
}
