package filetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadCSV(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.csv")
	write(t, p, "x,y\n1,2\n")
	if recs := ReadCSV(t, p); len(recs) != 2 || !slices.Equal(recs[1], []string{"1", "2"}) {
		t.Errorf("records %v", recs)
	}
}

func TestReadJSONObject(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.json")
	write(t, p, `{"a": 1, "b": [2]}`)
	m := ReadJSONObject(t, p)
	if len(m) != 2 || string(m["a"]) != "1" || string(m["b"]) != "[2]" {
		t.Errorf("object %v", m)
	}
	var b []int
	if err := json.Unmarshal(m["b"], &b); err != nil || !slices.Equal(b, []int{2}) {
		t.Errorf("b = %v (%v)", b, err)
	}
}

// SameFiles passes identical files and reports each file that differs.
func TestSameFiles(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		write(t, filepath.Join(d, "same"), "x")
	}
	write(t, filepath.Join(a, "other"), "x")
	write(t, filepath.Join(b, "other"), "y")
	r := &recorder{TB: t}
	SameFiles(r, a, b, "same")
	if r.errors != 0 {
		t.Errorf("identical files reported as different")
	}
	SameFiles(r, a, b, "same", "other")
	if r.errors != 1 {
		t.Errorf("%d differences reported, want 1", r.errors)
	}
}
