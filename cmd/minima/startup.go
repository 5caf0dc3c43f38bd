package main

import "time"

// mainStarted is when package main was initialised, just before main runs.
var mainStarted = time.Now()

// sinceStart returns how long this process has run: since the kernel started
// it where processAge can tell (Linux, to a clock tick: up to 10 ms more),
// otherwise since package main was initialised (missing the Go runtime's and
// the libraries' initialisation, about 40 ms).
func sinceStart() time.Duration {
	m := time.Since(mainStarted)
	if d, ok := processAge(); ok && d > m {
		return d
	}
	return m
}
