package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// referenceMNISTFiles decodes one split the way LoadMNISTFiles did before
// images were kept as bytes: the whole IDX file read, every pixel converted
// as float64(b)/255.
func referenceMNISTFiles(t *testing.T, imagesPath, labelsPath string) *Set {
	t.Helper()
	img, err := ReadIDX(imagesPath, 3)
	if err != nil {
		t.Fatal(err)
	}
	lbl, err := ReadIDX(labelsPath, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := img.Dims[0]
	s := &Set{X: make([]float64, n*MNISTDim), Y: make([]int, n), N: n, D: MNISTDim, Classes: MNISTClasses}
	for i, b := range lbl.Data {
		s.Y[i] = int(b)
	}
	for k, b := range img.Data {
		s.X[k] = float64(b) / 255
	}
	return s
}

// referenceMNIST is referenceMNISTFiles for both splits in dir.
func referenceMNIST(t *testing.T, dir string) (train, test *Set) {
	t.Helper()
	paths, _, err := mnistPaths(dir)
	if err != nil {
		t.Fatal(err)
	}
	return referenceMNISTFiles(t, paths[0], paths[1]), referenceMNISTFiles(t, paths[2], paths[3])
}

// sameSamples fails unless got and want hold bit-identical features and
// equal labels and shapes.
func sameSamples(t *testing.T, what string, got, want *Set) {
	t.Helper()
	if got.N != want.N || got.D != want.D || got.Classes != want.Classes {
		t.Fatalf("%s: N/D/Classes %d/%d/%d, want %d/%d/%d", what, got.N, got.D, got.Classes, want.N, want.D, want.Classes)
	}
	if !reflect.DeepEqual(got.Y, want.Y) {
		t.Fatalf("%s: labels differ", what)
	}
	for k := range want.X {
		if math.Float64bits(got.X[k]) != math.Float64bits(want.X[k]) {
			t.Fatalf("%s: X[%d] = %v, want %v", what, k, got.X[k], want.X[k])
		}
	}
}

// contentHash hashes X (float64 bits, little-endian) then Y (int64,
// little-endian): the hashes below were computed with the float64 loader
// before this file's byte-kept loader replaced it.
func contentHash(s *Set) string {
	h := sha256.New()
	var b [8]byte
	for _, v := range s.X {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	for _, v := range s.Y {
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestSourceMNISTSubsetsMatchFloatLoad: the training and test subsets a
// Source selects are the samples StratifiedSubset picks from the whole
// float64 splits, bit for bit, with Index the indices it returns.
func TestSourceMNISTSubsetsMatchFloatLoad(t *testing.T) {
	dir := realMNISTDir(t)
	refTrain, refTest := referenceMNIST(t, dir)
	src := Source{Kind: KindMNIST, Subset: 1000, TestSubset: 300, Seed: 4}
	train, test, err := src.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		got, ref *Set
		n        int
		seed     int64
	}{{"train", train, refTrain, 1000, 4}, {"test", test, refTest, 300, 5}} {
		want, idx, err := StratifiedSubset(c.ref, c.n, c.seed)
		if err != nil {
			t.Fatal(err)
		}
		sameSamples(t, c.name, c.got, want)
		if !reflect.DeepEqual(c.got.Index, idx) {
			t.Errorf("%s: Index differs from the indices StratifiedSubset returns", c.name)
		}
	}
}

// TestLoadMNISTMatchesFloatLoad: the whole splits are bit-identical to the
// float64 decode, with Index 0, …, N−1.
func TestLoadMNISTMatchesFloatLoad(t *testing.T) {
	dir := realMNISTDir(t)
	refTrain, refTest := referenceMNIST(t, dir)
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSamples(t, "train", train, refTrain)
	sameSamples(t, "test", test, refTest)
	if train.Index[0] != 0 || train.Index[59999] != 59999 || len(test.Index) != 10000 {
		t.Error("Index is not 0, …, N−1")
	}
}

// TestSourceMNISTGolden compares with hashes recorded from the float64
// loader of commit f80cf36 (before this change): the whole training split,
// the 1000-sample training subset of seed 1 and its 1000-sample test subset
// (seed 2).
func TestSourceMNISTGolden(t *testing.T) {
	dir := realMNISTDir(t)
	train, test, err := Source{Kind: KindMNIST, Subset: 1000, TestSubset: 1000, Seed: 1}.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Source{Kind: KindMNIST, Seed: 1}.Samples(dir, SplitTrain, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		s    *Set
		want string
	}{
		{"train subset 1000 seed 1", train, "d7614c3f7c7b442fc384906a9832b119f37d2e3d26cc7f99fbae07c5129e88bf"},
		{"test subset 1000 seed 2", test, "770a0e6fa8f678e0ca3311876f7360c5b25f52a8b847ef8dc32f299733b30a93"},
		{"whole train", full, "a463af0a319408e7ab778237c7ca1800573f6d11222c959a69fbc6a556c19922"},
	} {
		if got := contentHash(c.s); got != c.want {
			t.Errorf("%s: hash %s, want %s", c.name, got, c.want)
		}
	}
}

// TestSourceSamplesSubsetMatchesFloatPath: Samples with n > 0 gives the
// StratifiedSubset of the whole regenerated split, as before.
func TestSourceSamplesSubsetMatchesFloatPath(t *testing.T) {
	dir := realMNISTDir(t)
	src := Source{Kind: KindMNIST, Subset: 5000, TestSubset: 2000, Seed: 3}
	for _, split := range []string{SplitTrain, SplitTest} {
		whole, err := src.Samples(dir, split, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := StratifiedSubset(whole, 700, 11)
		if err != nil {
			t.Fatal(err)
		}
		got, err := src.Samples(dir, split, 700, 11)
		if err != nil {
			t.Fatal(err)
		}
		sameSamples(t, split, got, want)
		if !reflect.DeepEqual(got.Index, want.Index) {
			t.Errorf("%s: Index differs", split)
		}
	}
}

// TestMNISTCacheWrittenAndUsed: the first load writes the decoded IDX file
// to the cache, a later load reads the images from there, and both give the
// reference decode.
func TestMNISTCacheWrittenAndUsed(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 30, 5)
	images := filepath.Join(dir, MNISTTrainImages+".gz")
	labels := filepath.Join(dir, MNISTTrainLabels)
	want := referenceMNISTFiles(t, images, labels)
	first, err := LoadMNISTFiles(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	sameSamples(t, "first load", first, want)
	cp, ok := mnistCachePath(images)
	if !ok {
		t.Fatal("no cache path")
	}
	if raw, err := os.ReadFile(cp); err != nil || len(raw) != 16+30*MNISTDim {
		t.Fatalf("cache file: %d bytes, %v; want %d bytes", len(raw), err, 16+30*MNISTDim)
	}
	m, err := openMNISTImages(images)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if m.closer == nil {
		t.Error("a second open did not read the cache file")
	}
	second, err := LoadMNISTFiles(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	sameSamples(t, "cached load", second, want)
}

// TestMNISTCacheTruncatedIgnored: a damaged cache file is not used.
func TestMNISTCacheTruncatedIgnored(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 30, 5)
	images := filepath.Join(dir, MNISTTrainImages+".gz")
	labels := filepath.Join(dir, MNISTTrainLabels)
	if _, err := LoadMNISTFiles(images, labels); err != nil {
		t.Fatal(err)
	}
	cp, _ := mnistCachePath(images)
	if err := os.Truncate(cp, 16+10*MNISTDim); err != nil {
		t.Fatal(err)
	}
	got, err := LoadMNISTFiles(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	sameSamples(t, "after truncation", got, referenceMNISTFiles(t, images, labels))
}

// TestMNISTCacheOff: MINIMA_CACHE=off writes no cache.
func TestMNISTCacheOff(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv(CacheEnv, "off")
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 3, 2)
	if _, _, err := LoadMNIST(dir); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("cache directory not empty: %v", entries)
	}
}

// TestMNISTCacheUnwritable: an unusable cache directory is not an error.
func TestMNISTCacheUnwritable(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "file")
	writeFile(t, cache, []byte("not a directory"))
	t.Setenv("XDG_CACHE_HOME", cache)
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 3, 2)
	if _, _, err := LoadMNIST(dir); err != nil {
		t.Errorf("got %v, want the images decoded without a cache", err)
	}
}

// TestLoadMNISTUncompressed reads an uncompressed images file in place.
func TestLoadMNISTUncompressed(t *testing.T) {
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 12, 3)
	gz := filepath.Join(dir, MNISTTrainImages+".gz")
	want := referenceMNISTFiles(t, gz, filepath.Join(dir, MNISTTrainLabels))
	img, err := ReadIDX(gz, 3)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(gz)
	writeFile(t, filepath.Join(dir, MNISTTrainImages), idxBytes(IDXUint8, img.Dims, img.Data))
	train, _, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSamples(t, "uncompressed", train, want)
}

// TestLoadMNISTUncompressedBadSize: an uncompressed images file shorter or
// longer than its header declares is refused, naming the file.
func TestLoadMNISTUncompressedBadSize(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   int
		phrase string
	}{{"truncated", 2*MNISTDim - 1, "truncated: want 2352 data bytes, got 1567"}, {"trailing", 3*MNISTDim + 5, "trailing data: 5 extra bytes"}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTinyMNIST(t, dir, 3, 2)
			os.Remove(filepath.Join(dir, MNISTTrainImages+".gz"))
			path := filepath.Join(dir, MNISTTrainImages)
			writeFile(t, path, idxBytes(IDXUint8, []int{3, 28, 28}, make([]byte, c.data)))
			_, _, err := LoadMNIST(dir)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.phrase) {
				t.Errorf("got %v, want an error naming %s containing %q", err, path, c.phrase)
			}
		})
	}
}

// TestMNISTSplitFingerprintStreams: the fingerprint computed image by image
// equals Fingerprint of the converted set.
func TestMNISTSplitFingerprintStreams(t *testing.T) {
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 600, 2)
	m, err := openMNISTSplit(filepath.Join(dir, MNISTTrainImages+".gz"), filepath.Join(dir, MNISTTrainLabels))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	idx := []int{3, 4, 5, 100, 101, 599} // runs, gaps, more than one chunk below
	for i := 300; i < 560; i++ {
		idx = append(idx, i)
	}
	set, err := m.set(idx)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := m.fingerprint(idx)
	if err != nil {
		t.Fatal(err)
	}
	if want := Fingerprint(set); fp != want {
		t.Errorf("streamed %s, want %s", fp, want)
	}
}

// TestMNISTCacheKeyedByContent: replacing the compressed file at the same
// path never reads the copy decoded from the old one.
func TestMNISTCacheKeyedByContent(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, other := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, dir, 30, 5)
	writeTinyMNIST(t, other, 31, 5)
	images := filepath.Join(dir, MNISTTrainImages+".gz")
	if _, err := LoadMNISTFiles(images, filepath.Join(dir, MNISTTrainLabels)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MNISTTrainImages + ".gz", MNISTTrainLabels} {
		raw, err := os.ReadFile(filepath.Join(other, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), raw)
	}
	got, err := LoadMNISTFiles(images, filepath.Join(dir, MNISTTrainLabels))
	if err != nil {
		t.Fatal(err)
	}
	sameSamples(t, "replaced file", got, referenceMNISTFiles(t, images, filepath.Join(dir, MNISTTrainLabels)))
}
