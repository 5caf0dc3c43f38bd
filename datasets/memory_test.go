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
