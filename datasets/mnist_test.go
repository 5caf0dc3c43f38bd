package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTinyMNIST writes an MNIST-format directory with nTrain and nTest
// images. Pixel p of image i is byte(i*7+p); the label of image i is i%10.
// Image files are gzip-compressed and label files raw, to exercise both
// name variants.
func writeTinyMNIST(t *testing.T, dir string, nTrain, nTest int) {
	t.Helper()
	images := func(n int) []byte {
		b := make([]byte, n*MNISTDim)
		for i := 0; i < n; i++ {
			for p := 0; p < MNISTDim; p++ {
				b[i*MNISTDim+p] = byte(i*7 + p)
			}
		}
		return idxBytes(IDXUint8, []int{n, MNISTRows, MNISTCols}, b)
	}
	labels := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i % 10)
		}
		return idxBytes(IDXUint8, []int{n}, b)
	}
	writeFile(t, filepath.Join(dir, MNISTTrainImages+".gz"), gzipBytes(t, images(nTrain)))
	writeFile(t, filepath.Join(dir, MNISTTrainLabels), labels(nTrain))
	writeFile(t, filepath.Join(dir, MNISTTestImages+".gz"), gzipBytes(t, images(nTest)))
	writeFile(t, filepath.Join(dir, MNISTTestLabels), labels(nTest))
}

func TestLoadMNISTTiny(t *testing.T) {
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 20, 7)
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		s    *Set
		n    int
	}{{"train", train, 20}, {"test", test, 7}} {
		s := c.s
		if s.N != c.n || s.D != MNISTDim || s.Classes != MNISTClasses {
			t.Fatalf("%s: N=%d D=%d Classes=%d, want %d %d %d", c.name, s.N, s.D, s.Classes, c.n, MNISTDim, MNISTClasses)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i := 0; i < s.N; i++ {
			if s.Y[i] != i%10 {
				t.Fatalf("%s: Y[%d]=%d, want %d", c.name, i, s.Y[i], i%10)
			}
			for p := 0; p < MNISTDim; p++ {
				want := float64(byte(i*7+p)) / 255
				if got := s.X[i*MNISTDim+p]; got != want || got < 0 || got > 1 {
					t.Fatalf("%s: X[%d,%d]=%v, want %v", c.name, i, p, got, want)
				}
			}
		}
	}
	// Byte 255 maps to exactly 1 and 0 to exactly 0 (they occur: i*7+p
	// covers every byte value).
	var saw0, saw1 bool
	for _, v := range train.X {
		saw0 = saw0 || v == 0
		saw1 = saw1 || v == 1
	}
	if !saw0 || !saw1 {
		t.Errorf("scaling: saw 0: %v, saw 1: %v; want both", saw0, saw1)
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		dir := t.TempDir()
		writeTinyMNIST(t, dir, 3, 2)
		if err := os.Remove(filepath.Join(dir, MNISTTestLabels)); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadMNIST(dir)
		if err == nil || !errors.Is(err, ErrMNISTNotFound) ||
			!strings.Contains(err.Error(), "make data") ||
			!strings.Contains(err.Error(), dir) ||
			!strings.Contains(err.Error(), MNISTTestLabels) {
			t.Errorf("got %v; want ErrMNISTNotFound naming %s, %s and 'make data'", err, dir, MNISTTestLabels)
		}
	})
	t.Run("count-mismatch", func(t *testing.T) {
		dir := t.TempDir()
		writeTinyMNIST(t, dir, 5, 2)
		writeFile(t, filepath.Join(dir, MNISTTrainLabels), idxBytes(IDXUint8, []int{4}, []byte{0, 1, 2, 3}))
		_, _, err := LoadMNIST(dir)
		if err == nil || !strings.Contains(err.Error(), "5 images but") || !strings.Contains(err.Error(), "4 labels") {
			t.Errorf("got %v; want a count mismatch 5 vs 4", err)
		}
	})
	t.Run("bad-label", func(t *testing.T) {
		dir := t.TempDir()
		writeTinyMNIST(t, dir, 3, 2)
		path := filepath.Join(dir, MNISTTestLabels)
		writeFile(t, path, idxBytes(IDXUint8, []int{2}, []byte{9, 10}))
		_, _, err := LoadMNIST(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "label 10 at index 1") {
			t.Errorf("got %v; want label 10 out of range in %s", err, path)
		}
	})
	t.Run("bad-image-size", func(t *testing.T) {
		dir := t.TempDir()
		writeTinyMNIST(t, dir, 3, 2)
		path := filepath.Join(dir, MNISTTestImages+".gz")
		writeFile(t, path, gzipBytes(t, idxBytes(IDXUint8, []int{2, 28, 27}, make([]byte, 2*28*27))))
		_, _, err := LoadMNIST(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "28×27") {
			t.Errorf("got %v; want 28×27 image size error in %s", err, path)
		}
	})
	t.Run("corrupt-file", func(t *testing.T) {
		dir := t.TempDir()
		writeTinyMNIST(t, dir, 3, 2)
		path := filepath.Join(dir, MNISTTrainImages+".gz")
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, content[:len(content)/2])
		_, _, err = LoadMNIST(dir)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("got %v; want an error naming %s", err, path)
		}
	})
}

func TestFindMNIST(t *testing.T) {
	good := t.TempDir()
	writeTinyMNIST(t, good, 1, 1)
	root := t.TempDir()
	writeTinyMNIST(t, mkdir(t, filepath.Join(root, "mnist")), 1, 1)
	empty := t.TempDir()

	t.Run("flag", func(t *testing.T) {
		t.Setenv(MNISTEnv, empty)
		if got, err := FindMNIST(good); err != nil || got != good {
			t.Errorf("FindMNIST(%q) = %q, %v; want %q", good, got, err, good)
		}
	})
	t.Run("flag-root", func(t *testing.T) {
		want := filepath.Join(root, "mnist")
		if got, err := FindMNIST(root); err != nil || got != want {
			t.Errorf("FindMNIST(%q) = %q, %v; want %q", root, got, err, want)
		}
	})
	t.Run("flag-missing-does-not-fall-back", func(t *testing.T) {
		t.Setenv(MNISTEnv, good)
		_, err := FindMNIST(empty)
		if err == nil || !errors.Is(err, ErrMNISTNotFound) ||
			!strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "--data-dir") ||
			!strings.Contains(err.Error(), "run 'make data'") {
			t.Errorf("got %v; want not-found naming %s, --data-dir and 'make data'", err, empty)
		}
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv(MNISTEnv, good)
		if got, err := FindMNIST(""); err != nil || got != good {
			t.Errorf("FindMNIST(\"\") = %q, %v; want %q from $%s", got, err, good, MNISTEnv)
		}
	})
	t.Run("env-missing", func(t *testing.T) {
		t.Setenv(MNISTEnv, empty)
		_, err := FindMNIST("")
		if err == nil || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "$"+MNISTEnv) {
			t.Errorf("got %v; want not-found naming %s and $%s", err, empty, MNISTEnv)
		}
	})
	t.Run("default", func(t *testing.T) {
		t.Setenv(MNISTEnv, "")
		wd := t.TempDir()
		t.Chdir(wd)
		_, err := FindMNIST("")
		if err == nil || !strings.Contains(err.Error(), "MNIST not found in data/mnist") ||
			!strings.Contains(err.Error(), "make data") {
			t.Errorf("got %v; want not-found in data/mnist", err)
		}
		writeTinyMNIST(t, mkdir(t, filepath.Join(wd, "data", "mnist")), 1, 1)
		if got, err := FindMNIST(""); err != nil || got != MNISTDefaultDir {
			t.Errorf("FindMNIST(\"\") = %q, %v; want %q", got, err, MNISTDefaultDir)
		}
	})
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadMNISTReal loads the real data set when it has been fetched into
// ../data/mnist (make data); it is skipped otherwise and in -short mode.
func TestLoadMNISTReal(t *testing.T) {
	dir := filepath.Join("..", "data", "mnist")
	if _, missing, err := mnistPaths(dir); err != nil || len(missing) > 0 {
		t.Skipf("real MNIST not present in %s", dir)
	}
	if testing.Short() {
		t.Skip("skipping real MNIST load in -short mode")
	}
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 60000 || test.N != 10000 {
		t.Fatalf("N = %d/%d, want 60000/10000", train.N, test.N)
	}
	for name, s := range map[string]*Set{"train": train, "test": test} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		counts := s.ClassCounts()
		for k, c := range counts {
			if c < s.N/20 {
				t.Errorf("%s: class %d has only %d samples", name, k, c)
			}
		}
		lo, hi := s.X[0], s.X[0]
		for _, v := range s.X {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v,%v], want [0,1]", name, lo, hi)
		}
	}
	// The first training label of the original MNIST is 5, the first test
	// label 7.
	if train.Y[0] != 5 || test.Y[0] != 7 {
		t.Errorf("first labels %d/%d, want 5/7", train.Y[0], test.Y[0])
	}
}
