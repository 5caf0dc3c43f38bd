package datasets

import (
	"path/filepath"
	"testing"
)

// BenchmarkSourceLoadMNIST1000 times what a command does at start-up for a
// model trained on a 1,000-image MNIST subset: regenerate its training split.
func BenchmarkSourceLoadMNIST1000(b *testing.B) {
	dir := filepath.Join("..", "data", "mnist")
	if _, missing, err := mnistPaths(dir); err != nil || len(missing) > 0 {
		b.Skipf("real MNIST not present in %s", dir)
	}
	src := Source{Kind: KindMNIST, Subset: 1000, TestSubset: 1000, Seed: 1}
	for b.Loop() {
		if _, err := src.Samples(dir, SplitTrain, 0, 1); err != nil {
			b.Fatal(err)
		}
	}
}
