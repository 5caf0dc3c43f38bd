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
	t.Cleanup(resetPending)
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
	// After the interrupt nothing can be committed: the work that goes on until
	// the process exits must not publish partial output.
	if err := os.WriteFile(open.Path("late.txt"), []byte("x"), 0o644); err == nil {
		t.Error("writing into the removed temporary directory re-created it")
	}
	if err := open.Commit(); err == nil {
		t.Error("Commit after RemovePending succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "open")); !os.IsNotExist(err) {
		t.Errorf("open directory appeared after the interrupt: %v", err)
	}
	if _, err := NewAtomicDir(filepath.Join(dir, "new")); err == nil {
		t.Error("NewAtomicDir after RemovePending succeeded")
	}
	if err := WriteFileAtomic(filepath.Join(dir, "g"), func(io.Writer) error { return nil }); err == nil {
		t.Error("WriteFileAtomic after RemovePending succeeded")
	}
}
