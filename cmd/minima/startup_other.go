//go:build !linux

package main

import "time"

// processAge is unknown outside Linux: sinceStart counts from main.
func processAge() (time.Duration, bool) { return 0, false }
