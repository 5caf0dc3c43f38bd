package report

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// RemovePending (the signal handler's cleanup) removes unfinished temporary
// directories and files, and nothing else.
func TestRemovePending(t *testing.T) {
	dir := t.TempDir()
	done, err := NewAtomicDir(filepath.Join(dir, "done"))
	if err != nil {
		t.Fatal(err)
	}
	if err := done.Commit(); err != nil {
		t.Fatal(err)
	}
	open, err := NewAtomicDir(filepath.Join(dir, "open"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpFile string
	err = WriteFileAtomic(filepath.Join(dir, "f"), func(w io.Writer) error {
		matches, _ := filepath.Glob(filepath.Join(dir, ".f.tmp-*"))
		if len(matches) != 1 {
			t.Fatalf("temporary file: %v", matches)
		}
		tmpFile = matches[0]
		RemovePending() // as if a signal arrived mid-write
		return nil
	})
	if err == nil {
		t.Fatal("write whose temporary file was removed should fail")
	}
	for _, p := range []string{open.TempDir(), tmpFile, filepath.Join(dir, "f"), filepath.Join(dir, "open")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "done")); err != nil {
		t.Errorf("committed directory removed: %v", err)
	}
}
