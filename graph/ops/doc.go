// Package ops holds gorgonia operations for convolutional networks that can be
// differentiated twice, as the Hessian-vector products of package graph need
// (reverse over reverse: Grad, CopyDAG into a fresh graph, Grad again).
//
// gorgonia v0.9.18's own Im2Col/Conv2d on hidden activations and MaxPool2D fail
// a second Grad; the ops here form closed families instead, each one's
// derivative being another op of the family:
//
//	Im2Col ↔ Col2Im                     (adjoint linear maps)
//	MaxPool → scatter(x, dy) ↔ gather(x, g)
//	NCHWToNHWC ↔ NHWCToNCHW             (inverse permutations)
//
// and Conv2D is Im2Col followed by gorgonia's Mul. Op values hold geometry only,
// never run-time state: the argmax of a pooling window is recomputed from x by
// every op that needs it, so op values can be shared between copied graphs.
//
// # Layout
//
// Activations between layers are 2-D float64 matrices in NHWC row layout:
// shape (B·H·W, C), row b·H·W + h·W + w, column = channel. Network inputs
// arrive as (B, C·H·W) in PyTorch's NCHW-flat order (NCHWToNHWC converts), and
// a classifier head wants (B, C·H·W) in PyTorch's flatten(1) order, index
// c·H·W + h·W + w (NHWCToNCHW converts). Only float64 is supported.
package ops
