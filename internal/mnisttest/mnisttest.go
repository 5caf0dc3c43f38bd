// Package mnisttest finds the real MNIST files for tests: make data fetches
// them and CI runs it before the tests, so a test skips without them only
// outside CI.
package mnisttest

import (
	"os"
	"testing"

	"github.com/minima-project/minima/datasets"
)

// Dir returns the MNIST directory found from dir (a test's path to the
// repository's data/mnist), skipping tb when it is absent, or failing it
// when $CI is set.
func Dir(tb testing.TB, dir string) string {
	tb.Helper()
	found, err := datasets.FindMNIST(dir)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("MNIST missing in CI (make test runs make data first): %v", err)
		}
		tb.Skipf("MNIST not available (run 'make data'): %v", err)
	}
	return found
}
