package blasthreads

import "testing"

// A product with a dimension ≤ ThinDim runs on one thread, any other on the
// pinned count.
func TestFor(t *testing.T) {
	for _, c := range []struct{ m, n, k, pinned, want int }{
		{1000, 10, 256, 2, 1},
		{256, 10, 1000, 2, 1},
		{1000, 256, 10, 2, 1},
		{269322, 16, 1, 2, 1}, // a matrix-vector product
		{ThinDim, 1000, 1000, 8, 1},
		{ThinDim + 1, 1000, 1000, 8, 8},
		{1000, 256, 784, 2, 2},
		{1000, 256, 784, 1, 1},
	} {
		if got := For(c.m, c.n, c.k, c.pinned); got != c.want {
			t.Errorf("For(%d, %d, %d, %d) = %d, want %d", c.m, c.n, c.k, c.pinned, got, c.want)
		}
	}
}
