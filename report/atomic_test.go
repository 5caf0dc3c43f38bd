package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := WriteFileAtomic(p, func(w io.Writer) error {
		_, err := io.WriteString(w, "hello\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "hello\n" {
		t.Fatalf("content %q", b)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode())
	}

	// A failing writer leaves the old content and no temp file.
	boom := errors.New("boom")
	err := WriteFileAtomic(p, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "hello\n" {
		t.Fatalf("target modified: %q", b)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("leftovers: %v", names)
	}

	// A panicking writer: the panic propagates, nothing is left behind.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic swallowed")
			}
		}()
		WriteFileAtomic(p, func(w io.Writer) error { panic("oops") })
	}()
	if b, _ := os.ReadFile(p); string(b) != "hello\n" {
		t.Fatalf("target modified: %q", b)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("leftovers after panic: %v", names)
	}

	// Replacing keeps the existing permission bits.
	os.Chmod(p, 0o600)
	if err := WriteFileAtomic(p, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 || fi.Size() != 0 {
		t.Fatalf("mode %v size %d", fi.Mode(), fi.Size())
	}

	// Missing directory and directory target are errors naming the path.
	bad := filepath.Join(dir, "nope", "x")
	if err := WriteFileAtomic(bad, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("missing dir: %v", err)
	}
	if err := WriteFileAtomic(dir, func(io.Writer) error { return nil }); err == nil {
		t.Fatal("writing over a directory succeeded")
	}
}

func TestAtomicDirCommit(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "model")
	d, err := NewAtomicDir(final)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	if !strings.HasPrefix(filepath.Base(d.TempDir()), ".model.tmp-") {
		t.Fatalf("temp dir %s", d.TempDir())
	}
	if err := WriteJSON(d.Path("model.json"), map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := WriteNpyFloat64(d.Path("params/w1.npy"), seq(6), 2, 3); err != nil {
		t.Fatal(err)
	}
	// Nothing visible at the final path yet.
	if _, err := os.Stat(final); !os.IsNotExist(err) {
		t.Fatalf("final exists before commit: %v", err)
	}
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	d.Abort() // must be a no-op now
	if _, _, err := ReadNpyFloat64(filepath.Join(final, "params", "w1.npy")); err != nil {
		t.Fatal(err)
	}
	if got := d.Path("model.json"); got != filepath.Join(final, "model.json") {
		t.Fatalf("Path after commit = %s", got)
	}
	if fi, _ := os.Stat(final); fi.Mode().Perm() != 0o755 {
		t.Fatalf("final mode %v", fi.Mode())
	}
	if names := entries(t, parent); len(names) != 1 || names[0] != "model" {
		t.Fatalf("parent holds %v", names)
	}
	if err := d.Commit(); err == nil {
		t.Fatal("second commit succeeded")
	}
}

func TestAtomicDirExisting(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "res")
	os.Mkdir(final, 0o755)
	os.WriteFile(filepath.Join(final, "old.txt"), []byte("old"), 0o644)

	// Refused without AllowOverwrite; the old dir stays intact.
	d, err := NewAtomicDir(final)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(d.Path("new.txt"), []byte("new"), 0o644)
	if err := d.Commit(); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	d.Abort()
	if names := entries(t, parent); len(names) != 1 {
		t.Fatalf("leftovers after abort: %v", names)
	}
	if names := entries(t, final); len(names) != 1 || names[0] != "old.txt" {
		t.Fatalf("old dir changed: %v", names)
	}

	// With AllowOverwrite the contents are replaced and the old copy removed.
	d, err = NewAtomicDir(final, AllowOverwrite())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	os.WriteFile(d.Path("sub/new.txt"), []byte("new"), 0o644)
	if err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	if names := entries(t, final); len(names) != 1 || names[0] != "sub" {
		t.Fatalf("final holds %v", names)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "sub", "new.txt")); string(b) != "new" {
		t.Fatalf("content %q", b)
	}
	if names := entries(t, parent); len(names) != 1 {
		t.Fatalf("parent holds %v", names)
	}

	// A regular file at the final path is never replaced.
	file := filepath.Join(parent, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	d, _ = NewAtomicDir(file, AllowOverwrite())
	if err := d.Commit(); err == nil {
		t.Fatal("replaced a regular file")
	}
	d.Abort()
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Fatal("file modified")
	}
}

func TestAtomicDirAbortAndPath(t *testing.T) {
	parent := t.TempDir()
	d, err := NewAtomicDir(filepath.Join(parent, "x"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(d.Path("a/b/c.txt"), []byte("1"), 0o644)
	d.Abort()
	d.Abort()
	if names := entries(t, parent); len(names) != 0 {
		t.Fatalf("abort left %v", names)
	}
	if err := d.Commit(); err == nil {
		t.Fatal("commit after abort succeeded")
	}
	for _, rel := range []string{"../escape", "/abs"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("Path(%q) did not panic", rel)
				}
			}()
			d.Path(rel)
		}()
	}
	// Missing parents are created; a parent that is a regular file is an error.
	nd, err := NewAtomicDir(filepath.Join(parent, "missing", "x"))
	if err != nil {
		t.Fatalf("NewAtomicDir with missing parent: %v", err)
	}
	nd.Abort()
	if err := os.WriteFile(filepath.Join(parent, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewAtomicDir(filepath.Join(parent, "file", "x")); err == nil {
		t.Fatal("NewAtomicDir under a regular file succeeded")
	}
	var nilDir *AtomicDir
	nilDir.Abort()
}
