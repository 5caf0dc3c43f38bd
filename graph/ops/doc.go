// Package ops holds gorgonia operations for convolutional networks that can be
// differentiated twice, as the Hessian-vector products of package graph need
// (reverse over reverse: Grad, CopyDAG into a fresh graph, Grad again), and
// fused forms of two of gorgonia's own, ReLU and the bias add, with its
// values and derivatives bit for bit in fewer passes over memory.
//
// gorgonia v0.9.18's own Im2Col/Conv2d on hidden activations and MaxPool2D fail
// a second Grad; the ops here form closed families instead, each one's
// derivative being another op of the family:
//
//	Conv2D(x, w) → data(dy, w), filter(x, dy)   (the partial derivatives of
//	                                             the trilinear ⟨y, Conv2D(x, w)⟩)
//	MaxPool → scatter(x, dy) ↔ gather(x, g)
//	Im2Col ↔ Col2Im                             (adjoint linear maps)
//	NCHWToNHWC ↔ NHWCToNCHW                     (inverse permutations)
//	ReLU → ReLUMask(g, x) → ReLUMask            (the step is not differentiated)
//	AddBias → grad, G.Sum(grad, 0)              (gorgonia's own from there)
//
// Op values hold geometry only, never run-time state: the argmax of a pooling
// window is recomputed from x by every op that needs it, so op values can be
// shared between copied graphs. Each op's Do allocates its output; its
// UsePreallocDo (gorgonia's UsePreallocDoer, what package graph's executor
// calls) runs the same kernel into the caller's buffer, whatever that buffer
// held. The convolutions use a scratch of at most 4 MB (patches of a block
// of samples), kept between calls (a few, one per concurrent op), pooling C
// values; matrix products go through gorgonia's BLAS (G.WhichBLAS), so
// G.Use(netlib.Implementation{}) makes them OpenBLAS.
//
// # Hessian-vector products
//
// Reverse over reverse: Grad(L, θ), s = Σ ⟨∇L, v⟩, CopyDAG of s (and of
// whatever else is wanted) into a fresh graph, Grad(s, θ) there. Two things
// matter for speed and correctness of the tape machine on that graph:
// CopyDAG the outputs once more into a last graph, which drops the nodes the
// second Grad creates but nothing needs (derivatives with respect to data,
// e.g. the data gradient of the first convolution); and read outputs with
// G.Read, since copied gradient nodes are no longer marked as derivatives of
// inputs and the tape machine may reuse their registers before the run ends.
//
// # Layout
//
// Activations between layers are 2-D float64 matrices in NHWC row layout:
// shape (B·H·W, C), row b·H·W + h·W + w, column = channel. Network inputs
// arrive as (B, C·H·W) in PyTorch's NCHW-flat order (NCHWToNHWC converts), and
// a classifier head wants (B, C·H·W) in PyTorch's flatten(1) order, index
// c·H·W + h·W + w (NHWCToNCHW converts).
//
// # Precision
//
// Nodes are float64 (the builders check it), but every op also computes in
// float32 when its inputs and buffer are float32: package graph executes a
// float64 graph in single precision that way (--float32). The kernels are
// generic over the element type, float64 giving the same bits as ever, and
// the convolutions' matrix products are then Sgemm (OpenBLAS or gonum, as
// for Dgemm), with float32 scratch. Inputs of an op must share one dtype.
package ops
