package blasthreads

// ThinDim is the largest dimension that makes a product thin: one with m, n
// or k at most this runs on one OpenBLAS thread whatever the pinned count.
// On the project's 2-core machines 2 threads took 1.08–2.81× the 1-thread
// time of such products: the output layer's 1,000×10×256 and 1,000×256×10,
// and the default CNN's convolutions with 8 and 16 channels. The thin shapes
// that ran faster on 2 threads ran only slightly faster: 0.92× for
// 10×256×1,000 and 0.96× for 16×200×16,000. Products whose dimensions were all
// 64 or more took 0.64–0.89× (docs/experiments/thin.c).
const ThinDim = 16

// For is the thread count of an m×n×k product (op(A) m×k, op(B) k×n; k = 1
// for a matrix-vector product) when pinned threads are pinned: 1 for a thin
// product, pinned otherwise.
func For(m, n, k, pinned int) int {
	if min(m, n, k) <= ThinDim {
		return 1
	}
	return pinned
}
