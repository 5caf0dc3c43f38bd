package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file that receives a pprof CPU profile of the whole
// run (for developers: `go tool pprof bin/minima FILE`). BLAS time shows as
// cgo calls.
const cpuProfileEnv = "MINIMA_CPUPROFILE"

// startProfile starts the CPU profile cpuProfileEnv asks for and returns the
// function that ends it (a no-op without one).
func startProfile() func() {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "minima: %s=%s: %v (no profile)\n", cpuProfileEnv, path, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
