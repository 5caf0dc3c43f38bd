// Package sysmem tells how much memory the machine can give a new
// allocation, so that commands refuse work that cannot fit before starting it.
package sysmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Available returns the bytes of memory available to new allocations
// (MemAvailable in /proc/meminfo), and false where that cannot be read. Tests
// may replace it.
var Available = func() (uint64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	return ParseMemAvailable(b)
}

// ParseMemAvailable extracts MemAvailable, in bytes, from /proc/meminfo.
func ParseMemAvailable(meminfo []byte) (uint64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == "MemAvailable:" && string(f[2]) == "kB" {
			kb, err := strconv.ParseUint(string(f[1]), 10, 64)
			if err != nil || kb > 1<<53 {
				return 0, false
			}
			return kb << 10, true
		}
	}
	return 0, false
}

// Fits returns nil when need bytes fit in the available memory (or the
// available memory is unknown), else an error saying how much is needed and
// how much there is.
func Fits(need float64) error {
	avail, ok := Available()
	if !ok || need <= float64(avail) {
		return nil
	}
	return fmt.Errorf("needs about %s of memory, %s is available", Format(need), Format(float64(avail)))
}

// Format writes b bytes in MB or GB.
func Format(b float64) string {
	if b >= 1e9 {
		return fmt.Sprintf("%.1f GB", b/1e9)
	}
	return fmt.Sprintf("%.1f MB", b/1e6)
}
