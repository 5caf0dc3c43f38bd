package report

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileRoot is a model-like directory: root/model.json, root/params/w.npy
// (shape (5,4)), and a file and a directory outside root.
type hostileRoot struct {
	root, outsideFile, outsideDir string
}

func newHostileRoot(t *testing.T) hostileRoot {
	t.Helper()
	base := t.TempDir()
	h := hostileRoot{
		root:        filepath.Join(base, "model"),
		outsideFile: filepath.Join(base, "outside.npy"),
		outsideDir:  filepath.Join(base, "elsewhere"),
	}
	for _, d := range []string{filepath.Join(h.root, "params"), h.outsideDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(h.root, "params", "w.npy"), h.outsideFile, filepath.Join(h.outsideDir, "w.npy")} {
		if err := WriteNpyFloat64(p, seq(20), 5, 4); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteJSON(filepath.Join(h.root, "model.json"), map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	return h
}

// replace makes root/rel a symbolic link to target.
func (h hostileRoot) replace(t *testing.T, rel, target string) {
	t.Helper()
	p := filepath.Join(h.root, rel)
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The regular files of a model directory read back, with the shape checked.
func TestReadNpyFloat64In(t *testing.T) {
	h := newHostileRoot(t)
	got, err := ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4})
	if err != nil || !slices.Equal(got, seq(20)) {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ReadNpyFloat64In(h.root, "params/w.npy", []int{4, 5}); err == nil || !strings.Contains(err.Error(), "expected [4 5]") {
		t.Fatalf("shape mismatch: %v", err)
	}
	var v map[string]int
	if err := ReadJSONIn(h.root, "model.json", 1<<20, &v); err != nil || v["a"] != 1 {
		t.Fatalf("model.json: %v, %v", v, err)
	}
}

// A relative link that stays inside the root is followed.
func TestReadInFollowsLinksInside(t *testing.T) {
	h := newHostileRoot(t)
	if err := os.Rename(filepath.Join(h.root, "params", "w.npy"), filepath.Join(h.root, "w0.npy")); err != nil {
		t.Fatal(err)
	}
	h.replace(t, "params/w.npy", "../w0.npy")
	if _, err := ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4}); err != nil {
		t.Fatal(err)
	}
}

// Links that leave the root are refused, whatever they point to, before
// anything is read.
func TestReadInRefusesLinksOutside(t *testing.T) {
	for _, tc := range []struct {
		name, rel, target string
	}{
		{"npy to /dev/zero", "params/w.npy", "/dev/zero"},
		{"npy to /etc/passwd", "params/w.npy", "/etc/passwd"},
		{"npy to a file outside (absolute)", "params/w.npy", "OUTSIDE"},
		{"npy to a file outside (relative)", "params/w.npy", "../../outside.npy"},
		{"params to a directory outside (absolute)", "params", "ELSEWHERE"},
		{"params to a directory outside (relative)", "params", "../elsewhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHostileRoot(t)
			target := strings.NewReplacer("OUTSIDE", h.outsideFile, "ELSEWHERE", h.outsideDir).Replace(tc.target)
			h.replace(t, tc.rel, target)
			var err error
			n := allocated(func() { _, err = ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4}) })
			if !errors.Is(err, ErrOutsideRoot) {
				t.Fatalf("err = %v, want ErrOutsideRoot", err)
			}
			if !strings.Contains(err.Error(), filepath.Join(h.root, "params", "w.npy")) {
				t.Errorf("error does not name the file: %v", err)
			}
			if n > 1<<20 {
				t.Errorf("allocated %d bytes", n)
			}
		})
	}
}

// model.json as a link out of the root is refused.
func TestReadJSONInRefusesLinksOutside(t *testing.T) {
	for _, target := range []string{"/dev/zero", "/etc/passwd", "../elsewhere/m.json"} {
		h := newHostileRoot(t)
		os.WriteFile(filepath.Join(h.outsideDir, "m.json"), []byte("{}"), 0o644)
		h.replace(t, "model.json", target)
		var v map[string]any
		if err := ReadJSONIn(h.root, "model.json", 1<<20, &v); !errors.Is(err, ErrOutsideRoot) {
			t.Errorf("model.json → %s: err = %v, want ErrOutsideRoot", target, err)
		}
	}
}

// Paths with ".." or absolute paths are refused.
func TestReadInRefusesNonLocalPaths(t *testing.T) {
	h := newHostileRoot(t)
	for _, rel := range []string{"../outside.npy", h.outsideFile, "params/../../outside.npy"} {
		if _, err := ReadNpyFloat64In(h.root, rel, []int{5, 4}); !errors.Is(err, ErrOutsideRoot) {
			t.Errorf("%s: err = %v, want ErrOutsideRoot", rel, err)
		}
	}
}

// A FIFO is refused at once, not waited on.
func TestReadInRefusesFIFO(t *testing.T) {
	h := newHostileRoot(t)
	for _, rel := range []string{"model.json", "params/w.npy"} {
		p := filepath.Join(h.root, rel)
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	done := make(chan [2]error, 1)
	go func() {
		var v any
		_, e1 := ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4})
		done <- [2]error{ReadJSONIn(h.root, "model.json", 1<<20, &v), e1}
	}()
	select {
	case errs := <-done:
		for _, err := range errs {
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "FIFO") {
				t.Errorf("err = %v, want ErrNotRegular naming a FIFO", err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a FIFO blocked")
	}
}

// The plain readers refuse devices and FIFOs too, without reading them.
func TestReadNpyRefusesDevice(t *testing.T) {
	var err error
	n := allocated(func() { _, _, err = ReadNpyFloat64("/dev/zero") })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
	if n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
	var v any
	if err := ReadJSON("/dev/zero", &v); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("ReadJSON: err = %v, want ErrNotRegular", err)
	}
}

// A sparse 1 GiB file with a (5,4) header is refused from its size, without
// reading (or allocating) the data.
func TestReadNpyInRefusesSparseHuge(t *testing.T) {
	h := newHostileRoot(t)
	p := filepath.Join(h.root, "params", "w.npy")
	if err := os.Truncate(p, 1<<30); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, err = ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4}) })
	if err == nil || !strings.Contains(err.Error(), "trailing bytes") {
		t.Fatalf("err = %v, want trailing bytes", err)
	}
	if n > 1<<20 {
		t.Errorf("allocated %d bytes to refuse it", n)
	}
	// The plain reader checks sizes before reading as well.
	n = allocated(func() { _, _, err = ReadNpyFloat64(p) })
	if err == nil || n > 1<<20 {
		t.Errorf("ReadNpyFloat64: err %v, allocated %d bytes", err, n)
	}
}

// A header whose shape is not the expected one is refused before its data is
// read, however large it claims to be.
func TestReadNpyInRefusesHugeShape(t *testing.T) {
	h := newHostileRoot(t)
	p := filepath.Join(h.root, "params", "w.npy")
	var hdr strings.Builder
	if err := writeEmptyNpy(&hdr, "<f8", []int{100000, 100000}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(hdr.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 1<<30); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, err = ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4}) })
	if err == nil || !strings.Contains(err.Error(), "shape [100000 100000], expected [5 4]") {
		t.Fatalf("err = %v", err)
	}
	if n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
}

// A version 2 header claiming 4 GiB is refused without allocating it.
func TestReadNpyRefusesHugeHeader(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.npy")
	b := append([]byte("\x93NUMPY"), 2, 0, 0xff, 0xff, 0xff, 0xff)
	if err := os.WriteFile(p, append(b, make([]byte, 100)...), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, _, err = ReadNpyFloat64(p) })
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("err = %v", err)
	}
	if n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
}

// Truncated files are refused with the number of bytes missing.
func TestReadNpyInRefusesTruncated(t *testing.T) {
	h := newHostileRoot(t)
	p := filepath.Join(h.root, "params", "w.npy")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{fi.Size() - 1, fi.Size() - 150, 20, 8, 0} {
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadNpyFloat64In(h.root, "params/w.npy", []int{5, 4}); err == nil {
			t.Errorf("size %d: no error", size)
		} else if size >= fi.Size()-150 && !strings.Contains(err.Error(), "truncated data") {
			t.Errorf("size %d: err = %v, want truncated data", size, err)
		}
	}
}

// model.json larger than the cap is refused before it is read.
func TestReadJSONInSizeCap(t *testing.T) {
	h := newHostileRoot(t)
	p := filepath.Join(h.root, "model.json")
	if err := os.Truncate(p, 1<<30); err != nil {
		t.Fatal(err)
	}
	var v any
	var err error
	n := allocated(func() { err = ReadJSONIn(h.root, "model.json", 1<<20, &v) })
	if err == nil || !strings.Contains(err.Error(), "more than the 1048576 allowed") {
		t.Fatalf("err = %v", err)
	}
	if n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
}
