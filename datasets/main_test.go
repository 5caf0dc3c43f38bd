package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain points the decoded-image cache at a temporary directory, so tests
// never read or write the user's cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "minima-datasets-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	os.Unsetenv(CacheEnv)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// realMNISTDir returns ../data/mnist (make data), skipping the test when the
// real data set is absent or in -short mode.
func realMNISTDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "data", "mnist")
	if _, missing, err := mnistPaths(dir); err != nil || len(missing) > 0 {
		tb.Skipf("real MNIST not present in %s", dir)
	}
	if testing.Short() {
		tb.Skip("skipping real MNIST in -short mode")
	}
	return dir
}
