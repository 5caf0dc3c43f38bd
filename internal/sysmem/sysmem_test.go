package sysmem

import (
	"strings"
	"testing"
)

func TestParseMemAvailable(t *testing.T) {
	got, ok := ParseMemAvailable([]byte("MemTotal:       24000000 kB\nMemAvailable:   1000 kB\n"))
	if !ok || got != 1000<<10 {
		t.Errorf("got %d, %v; want %d", got, ok, 1000<<10)
	}
}

func TestParseMemAvailableMissing(t *testing.T) {
	for _, meminfo := range []string{"", "MemTotal: 1 kB\n", "MemAvailable: x kB\n", "MemAvailable: 5 MB\n"} {
		if got, ok := ParseMemAvailable([]byte(meminfo)); ok {
			t.Errorf("%q: got %d, true; want not ok", meminfo, got)
		}
	}
}

func TestFitsRefusesMoreThanAvailable(t *testing.T) {
	old := Available
	t.Cleanup(func() { Available = old })
	Available = func() (uint64, bool) { return 1e9, true }
	if err := Fits(2e9); err == nil || !strings.Contains(err.Error(), "2.0 GB") {
		t.Errorf("Fits(2e9) with 1 GB available = %v", err)
	}
	if err := Fits(5e8); err != nil {
		t.Errorf("Fits(5e8) with 1 GB available = %v", err)
	}
}
