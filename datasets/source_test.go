package datasets

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSourceValidateFields: each invalid field is refused by a *FieldError
// naming it as in model.json.
func TestSourceValidateFields(t *testing.T) {
	cfg := &ClusterConfig{Classes: 3, Dim: 2, PerClass: 5}
	cases := []struct {
		name string
		src  Source
		want string
	}{
		{"kind", Source{Kind: "cifar"}, `datasets: data.kind = "cifar", want "mnist" or "clusters"`},
		{"subset-negative", Source{Kind: KindMNIST, Subset: -1}, "datasets: data.subset = -1, want 0 (the whole split) to 60000"},
		{"subset-high", Source{Kind: KindMNIST, Subset: 60001}, "datasets: data.subset = 60001, want 0 (the whole split) to 60000"},
		{"test-subset-high", Source{Kind: KindMNIST, TestSubset: 10001}, "datasets: data.test_subset = 10001, want 0 (the whole split) to 10000"},
		{"clusters-for-mnist", Source{Kind: KindMNIST, Clusters: cfg}, `datasets: data.clusters does not apply to data.kind "mnist"`},
		{"clusters-missing", Source{Kind: KindClusters}, `datasets: data.clusters is missing: data.kind "clusters" needs the generator's configuration`},
		{"subset-for-clusters", Source{Kind: KindClusters, Clusters: cfg, Subset: 10}, `datasets: data.subset = 10 does not apply to data.kind "clusters"`},
		{"test-subset-for-clusters", Source{Kind: KindClusters, Clusters: cfg, TestSubset: 10}, `datasets: data.test_subset = 10 does not apply to data.kind "clusters"`},
		{"cluster-field", Source{Kind: KindClusters, Clusters: &ClusterConfig{Classes: 3, Dim: 2, PerClass: 17895697}}, "datasets: data.clusters.per_class = 17895697, want 1 to 1048576"},
		{"fingerprint", Source{Kind: KindMNIST, Fingerprint: "ABC"}, `datasets: data.fingerprint = "ABC", want 64 lowercase hexadecimal digits (a SHA-256)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.src.Validate()
			var fe *FieldError
			if err == nil || err.Error() != c.want || !errors.As(err, &fe) {
				t.Errorf("got  %v\nwant %s (a *FieldError)", err, c.want)
			}
		})
	}
}

// TestSourceValidateMNISTMemory: an MNIST selection that would not fit in
// half the available memory is refused, naming data.subset and what fits.
func TestSourceValidateMNISTMemory(t *testing.T) {
	withMemory(t, 200e6) // 100 MB for the data
	// 54.88 MB of image bytes, 6,288 bytes per selected sample.
	err := Source{Kind: KindMNIST, TestSubset: 1000}.Validate()
	want := "datasets: data.subset = 0 needs 438.4 MB of memory for the data, more than half the 200.0 MB available: at most 6175 fits"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if err := (Source{Kind: KindMNIST, Subset: 6175, TestSubset: 1000}).Validate(); err != nil {
		t.Errorf("data.subset 6175: %v", err)
	}
	if err := (Source{Kind: KindMNIST, Subset: 6176, TestSubset: 1000}).Validate(); err == nil {
		t.Error("data.subset 6176 accepted")
	}
}

// TestSourceValidateMNISTMemoryTest: when the test split alone leaves no
// room for a training sample, the error names data.test_subset.
func TestSourceValidateMNISTMemoryTest(t *testing.T) {
	withMemory(t, 200e6)
	err := Source{Kind: KindMNIST, Subset: 1000}.Validate()
	want := "datasets: data.test_subset = 0 needs 124.0 MB of memory for the data, more than half the 200.0 MB available: at most 6175 fits"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// TestSourceLoadValidatesFirst: Load and Samples refuse an invalid source
// before looking for any data.
func TestSourceLoadValidatesFirst(t *testing.T) {
	src := Source{Kind: KindMNIST, Subset: 1 << 40}
	missing := filepath.Join(t.TempDir(), "nothing")
	if _, _, err := src.Load(missing); err == nil || !strings.Contains(err.Error(), "data.subset") {
		t.Errorf("Load: got %v, want the data.subset error", err)
	}
	if _, err := src.Samples(missing, SplitTest, 0, 0); err == nil || !strings.Contains(err.Error(), "data.subset") {
		t.Errorf("Samples: got %v, want the data.subset error", err)
	}
}

// TestSourceIndex: the sets Load returns record where each sample came
// from, and Samples composes them.
func TestSourceIndex(t *testing.T) {
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 100, 40)
	src := Source{Kind: KindMNIST, Subset: 30, Seed: 5}
	train, test, err := src.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Image i's label is i%10: the label says which image it was, mod 10.
	for k, i := range train.Index {
		if train.Y[k] != i%10 || train.X[k*MNISTDim] != float64(byte(i*7))/255 {
			t.Fatalf("train sample %d: Index %d does not match its label and pixels", k, i)
		}
	}
	if test.N != 40 || test.Index[39] != 39 {
		t.Errorf("test: N=%d, Index[39]=%d; want the whole split", test.N, test.Index[39])
	}
	sub, err := src.Samples(dir, SplitTrain, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, idx, _ := StratifiedSubset(train, 10, 2)
	if !reflect.DeepEqual(sub.Index, want.Index) || len(idx) != 10 {
		t.Errorf("Samples Index %v, want %v", sub.Index, want.Index)
	}
}

// TestSourceFingerprintAccepts: a source pinned to its training split loads.
func TestSourceFingerprintAccepts(t *testing.T) {
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 50, 20)
	src := Source{Kind: KindMNIST, Subset: 20, Seed: 1}
	train, _, err := src.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	src = src.Pin(train)
	if _, _, err := src.Load(dir); err != nil {
		t.Errorf("Load: %v", err)
	}
	for _, split := range []string{SplitTrain, SplitTest} {
		for _, n := range []int{0, 5} {
			if _, err := src.Samples(dir, split, n, 3); err != nil {
				t.Errorf("Samples(%s, %d): %v", split, n, err)
			}
		}
	}
}

// TestSourceFingerprintRefusesOtherData is the case of issue 9: a model
// trained on a small MNIST directory, evaluated on other MNIST files, is
// refused in one line instead of silently giving a meaningless loss.
func TestSourceFingerprintRefusesOtherData(t *testing.T) {
	small, other := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, small, 50, 20)
	writeTinyMNIST(t, other, 60, 20) // different images at the same indices
	src := Source{Kind: KindMNIST, Seed: 1}
	train, _, err := src.Load(small)
	if err != nil {
		t.Fatal(err)
	}
	src = src.Pin(train)
	check := func(what string, err error) {
		t.Helper()
		if err == nil || !errors.Is(err, ErrFingerprintMismatch) ||
			!strings.Contains(err.Error(), "pass the --data-dir it was trained with") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want a one-line fingerprint mismatch", what, err)
		}
	}
	_, _, err = src.Load(other)
	check("Load", err)
	for _, split := range []string{SplitTrain, SplitTest} {
		for _, n := range []int{0, 5} {
			_, err := src.Samples(other, split, n, 3)
			check("Samples("+split+")", err)
		}
	}
}

// TestSourceFingerprintClusters: a clusters source is checked too.
func TestSourceFingerprintClusters(t *testing.T) {
	src := Source{Kind: KindClusters, Clusters: &ClusterConfig{Classes: 3, Dim: 2, PerClass: 5, TestPerClass: 2, Seed: 1}}
	train, _, err := src.Load("")
	if err != nil {
		t.Fatal(err)
	}
	pinned := src.Pin(train)
	if _, err := pinned.Samples("", SplitTest, 0, 0); err != nil {
		t.Errorf("pinned: %v", err)
	}
	pinned.Clusters.Seed = 2
	if _, err := pinned.Samples("", SplitTrain, 0, 0); !errors.Is(err, ErrFingerprintMismatch) {
		t.Errorf("other clusters: got %v, want ErrFingerprintMismatch", err)
	}
}

// TestSourceIndexClusters: cluster sets come with Index 0, …, N−1, and a
// subset's Index points into the generated split.
func TestSourceIndexClusters(t *testing.T) {
	src := Source{Kind: KindClusters, Clusters: &ClusterConfig{Classes: 3, Dim: 2, PerClass: 10, TestPerClass: 4, Seed: 1}}
	train, test, err := src.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if train.Index[29] != 29 || len(test.Index) != 12 {
		t.Errorf("Index: train[29]=%d, len(test)=%d; want 29, 12", train.Index[29], len(test.Index))
	}
	sub, err := src.Samples("", SplitTrain, 6, 4)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range sub.Index {
		if !reflect.DeepEqual(sub.Row(k), train.Row(i)) {
			t.Errorf("subset sample %d is not training sample Index[%d]=%d", k, k, i)
		}
	}
}
