package datasets

import "testing"

// withMemory makes the memory checks see avail bytes available for the
// duration of the test.
func withMemory(t *testing.T, avail uint64) {
	t.Helper()
	old := availableMemory
	availableMemory = func() (uint64, bool) { return avail, true }
	t.Cleanup(func() { availableMemory = old })
}

func TestParseMemAvailable(t *testing.T) {
	meminfo := "MemTotal:       32768000 kB\nMemFree:         1000000 kB\nMemAvailable:   24272684 kB\nBuffers:  1 kB\n"
	got, ok := parseMemAvailable([]byte(meminfo))
	if !ok || got != 24272684*1024 {
		t.Errorf("got %d, %v; want %d, true", got, ok, 24272684*1024)
	}
}

func TestParseMemAvailableMissing(t *testing.T) {
	for _, meminfo := range []string{"", "MemTotal: 1 kB\n", "MemAvailable: x kB\n", "MemAvailable: 5 MB\n"} {
		if got, ok := parseMemAvailable([]byte(meminfo)); ok {
			t.Errorf("%q: got %d, true; want not ok", meminfo, got)
		}
	}
}

// TestMemoryUnknown: where the available memory cannot be read, only the
// fixed bounds apply.
func TestMemoryUnknown(t *testing.T) {
	old := availableMemory
	availableMemory = func() (uint64, bool) { return 0, false }
	t.Cleanup(func() { availableMemory = old })
	if err := fitMemory("data.subset", 1, 1e18, 0, 1e18); err != nil {
		t.Errorf("unknown memory: got %v, want nil", err)
	}
}
