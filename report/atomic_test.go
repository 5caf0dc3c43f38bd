package report

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

// commitDir commits a new directory at final holding the file name.
func commitDir(t *testing.T, final, name string, opts ...DirOption) error {
	t.Helper()
	d, err := NewAtomicDir(final, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	if err := os.WriteFile(d.Path(name), []byte(name), 0o644); err != nil {
		t.Fatal(err)
	}
	return d.Commit()
}

// An existing directory is refused without AllowOverwrite and left intact.
func TestAtomicDirExistingRefused(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "res")
	if err := commitDir(t, final, "old.txt"); err != nil {
		t.Fatal(err)
	}
	if err := commitDir(t, final, "new.txt"); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if names := entries(t, parent); len(names) != 1 {
		t.Fatalf("leftovers after abort: %v", names)
	}
	if names := entries(t, final); !slices.Equal(names, []string{MarkerFile, "old.txt"}) {
		t.Fatalf("old dir changed: %v", names)
	}
}

// With AllowOverwrite a directory an AtomicDir committed is replaced whole and
// the old copy removed.
func TestAtomicDirOverwrite(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "res")
	if err := commitDir(t, final, "old.txt"); err != nil {
		t.Fatal(err)
	}
	if err := commitDir(t, final, "new.txt", AllowOverwrite()); err != nil {
		t.Fatal(err)
	}
	if names := entries(t, final); !slices.Equal(names, []string{MarkerFile, "new.txt"}) {
		t.Fatalf("final holds %v", names)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "new.txt")); string(b) != "new.txt" {
		t.Fatalf("content %q", b)
	}
	if names := entries(t, parent); len(names) != 1 {
		t.Fatalf("parent holds %v", names)
	}
}

// Every committed directory carries a marker naming the producer.
func TestAtomicDirMarker(t *testing.T) {
	SetProducer("minima test", "v0")
	t.Cleanup(func() { SetProducer("", "") })
	final := filepath.Join(t.TempDir(), "res")
	if err := commitDir(t, final, "a"); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMarker(final)
	if err != nil {
		t.Fatal(err)
	}
	if m != (Marker{Format: MarkerFormat, Command: "minima test", Version: "v0"}) {
		t.Fatalf("marker %+v", m)
	}
}

// AllowOverwrite never replaces what minima did not write, a link, a file,
// the working directory or its ancestors, or a directory holding an input.
func TestAtomicDirOverwriteRefusals(t *testing.T) {
	parent := t.TempDir()
	mine := filepath.Join(parent, "mine")
	if err := commitDir(t, mine, "x"); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(parent, "user")
	os.Mkdir(user, 0o755)
	os.WriteFile(filepath.Join(user, "thesis.tex"), []byte("x"), 0o644)
	fakeMarker := filepath.Join(parent, "fake")
	os.Mkdir(fakeMarker, 0o755)
	os.WriteFile(filepath.Join(fakeMarker, MarkerFile), []byte("hello"), 0o644)
	file := filepath.Join(parent, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	link := filepath.Join(parent, "link")
	os.Symlink(mine, link)
	input := filepath.Join(parent, "input")
	if err := commitDir(t, input, "model.json"); err != nil {
		t.Fatal(err)
	}
	linkToInput := filepath.Join(parent, "l2")
	os.Symlink(filepath.Join(input, "model.json"), linkToInput)
	for _, tc := range []struct {
		name, final string
		inputs      []string
		want        error
	}{
		{"no marker", user, nil, ErrNotOutput},
		{"marker not minima's", fakeMarker, nil, ErrNotOutput},
		{"regular file", file, nil, ErrNotDir},
		{"link to a minima directory", link, nil, ErrNotDir},
		{"holds an input", input, []string{filepath.Join(input, "model.json")}, ErrHoldsInput},
		{"holds an input through a link", input, []string{linkToInput}, ErrHoldsInput},
		{"holds the working directory", parent, nil, ErrHoldsInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.final == parent {
				t.Chdir(input)
				// parent has no marker either; give it one so that only the
				// working-directory rule can refuse it.
				os.WriteFile(filepath.Join(parent, MarkerFile), []byte(`{"format":"`+MarkerFormat+`"}`), 0o644)
				defer os.Remove(filepath.Join(parent, MarkerFile))
			}
			before := tree(t, parent)
			err := commitDir(t, tc.final, "new", AllowOverwrite(), Protect(tc.inputs...))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if after := tree(t, parent); !slices.Equal(after, before) {
				t.Fatalf("refused commit changed the tree:\n%v\n%v", before, after)
			}
		})
	}
}

// tree lists every path below root (links not followed).
func tree(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
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
