package report

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// A nested AtomicDir started after an interrupt does not re-create the
// removed outer temporary directory (the reparam race: a model saved inside
// a results directory while the signal handler removes it).
func TestRemovePendingNestedNotRecreated(t *testing.T) {
	t.Cleanup(resetPending)
	dir := t.TempDir()
	outer, err := NewAtomicDir(filepath.Join(dir, "res"))
	if err != nil {
		t.Fatal(err)
	}
	RemovePending()
	if _, err := NewAtomicDir(outer.Path("rp10")); err == nil {
		t.Error("nested NewAtomicDir after RemovePending succeeded")
	}
	_ = outer.Path("sub/file.npy")
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("after the interrupt %s holds %v", dir, names)
	}
}

// Parents an AtomicDir created are removed when it is aborted, and only
// those: existing ones, and ones another run has put files in, stay.
func TestAtomicDirAbortRemovesCreatedParents(t *testing.T) {
	dir := t.TempDir()
	d, err := NewAtomicDir(filepath.Join(dir, "new", "a", "b", "res"))
	if err != nil {
		t.Fatal(err)
	}
	d.Abort()
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("abort left %v", names)
	}

	d, err = NewAtomicDir(filepath.Join(dir, "new", "a", "b", "res"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new", "a", "other"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.Abort()
	if names := entries(t, filepath.Join(dir, "new", "a")); len(names) != 1 || names[0] != "other" {
		t.Errorf("new/a holds %v, want only other", names)
	}
}

// An interrupt removes the parents an unfinished AtomicDir created; a commit
// keeps them.
func TestRemovePendingRemovesCreatedParents(t *testing.T) {
	t.Cleanup(resetPending)
	dir := t.TempDir()
	done, err := NewAtomicDir(filepath.Join(dir, "kept", "x", "res"))
	if err != nil {
		t.Fatal(err)
	}
	if err := done.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewAtomicDir(filepath.Join(dir, "new", "a", "b", "res")); err != nil {
		t.Fatal(err)
	}
	RemovePending()
	if names := entries(t, dir); len(names) != 1 || names[0] != "kept" {
		t.Errorf("after the interrupt %s holds %v, want only kept", dir, names)
	}
}

// Temporary names carry the host and the process id.
func TestTempNamesCarryHostAndPID(t *testing.T) {
	dir := t.TempDir()
	d, err := NewAtomicDir(filepath.Join(dir, "res"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	host, _ := os.Hostname()
	want := ".res.tmp-" + host + "-" + strconv.Itoa(os.Getpid()) + "-"
	if name := filepath.Base(d.TempDir()); !strings.HasPrefix(name, want) {
		t.Errorf("temporary directory %s, want prefix %s", name, want)
	}
	if pid := staleTempPID(filepath.Base(d.TempDir())); pid != os.Getpid() {
		t.Errorf("staleTempPID = %d, want %d", pid, os.Getpid())
	}
}

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	return cmd.Process.Pid
}

// A new AtomicDir removes the temporary output of dead processes of this host
// next to it, and nothing else.
func TestNewAtomicDirRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	host := hostTag()
	dead := deadPID(t)
	stale := []string{
		fmt.Sprintf(".res.tmp-%s-%d-123", host, dead),
		fmt.Sprintf(".other.tmp-%s-%d-9", host, dead), // any output in the directory
	}
	kept := []string{
		fmt.Sprintf(".res.tmp-%s-%d-123", host, os.Getppid()), // alive
		fmt.Sprintf(".res.tmp-%s-%d-123", host+"x", dead),     // another host
		fmt.Sprintf(".res.tmp-other-node-%d-123", dead),       // another host
		".res.tmp-123456", // no host and pid
		"res", "thesis.tex",
		fmt.Sprintf(".res.old-%s-%d-1", host, dead),
	}
	for _, n := range append(slices.Clone(stale), kept...) {
		if err := os.Mkdir(filepath.Join(dir, n), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n, "partial.npy"), []byte("x"), 0o644)
	}
	d, err := NewAtomicDir(filepath.Join(dir, "res2"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	got := entries(t, dir)
	want := append(slices.Clone(kept), filepath.Base(d.TempDir()))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after NewAtomicDir:\n got %v\nwant %v", got, want)
	}
}
