package datasets

import "testing"

// The start-up benchmarks time what a command does to regenerate a model's
// samples from the real MNIST files (make data):
//
//	go test ./datasets/ -run '^$' -bench SourceMNIST -benchmem
//
// The files are in the page cache after the first iteration, as they are for
// a user running one command after another.

// BenchmarkSourceMNIST1000 regenerates the training split of a model trained
// on a 1,000-image subset, with the decoded-image cache (filled by the first
// iteration).
func BenchmarkSourceMNIST1000(b *testing.B) {
	benchSamples(b, Source{Kind: KindMNIST, Subset: 1000, TestSubset: 1000, Seed: 1})
}

// BenchmarkSourceMNIST1000NoCache is BenchmarkSourceMNIST1000 with the cache
// off (MINIMA_CACHE=off): every iteration decompresses the training images.
func BenchmarkSourceMNIST1000NoCache(b *testing.B) {
	b.Setenv(CacheEnv, "off")
	benchSamples(b, Source{Kind: KindMNIST, Subset: 1000, TestSubset: 1000, Seed: 1})
}

// BenchmarkSourceMNIST1000Pinned is BenchmarkSourceMNIST1000 for a model
// that records its training data's fingerprint, which is checked.
func BenchmarkSourceMNIST1000Pinned(b *testing.B) {
	src := Source{Kind: KindMNIST, Subset: 1000, TestSubset: 1000, Seed: 1}
	train, _, err := src.Load(realMNISTDir(b))
	if err != nil {
		b.Fatal(err)
	}
	benchSamples(b, src.Pin(train))
}

// BenchmarkSourceMNISTFull regenerates the whole training split (60,000
// images), as hessian over all training images does.
func BenchmarkSourceMNISTFull(b *testing.B) {
	benchSamples(b, Source{Kind: KindMNIST, Seed: 1})
}

func benchSamples(b *testing.B, src Source) {
	dir := realMNISTDir(b)
	for b.Loop() {
		if _, err := src.Samples(dir, SplitTrain, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}
