//go:build linux

package main

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// userHZ is the unit of /proc's clock ticks, 1/100 s on Linux.
const userHZ = 100

// processAge returns how long ago the kernel started this process: now on
// CLOCK_BOOTTIME minus the start time in /proc/self/stat (field 22, clock
// ticks since boot, rounded down, so up to a tick too long).
func processAge() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// Field 2, the command name in parentheses, may hold spaces: count the
	// fields after its closing parenthesis (the first of them is field 3).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return 0, false
	}
	ticks, err := strconv.ParseUint(string(f[22-3]), 10, 63)
	if err != nil {
		return 0, false
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, false
	}
	now, start := time.Duration(ts.Nano()), time.Duration(ticks)*(time.Second/userHZ)
	if now < start {
		return 0, false
	}
	return now - start, true
}
