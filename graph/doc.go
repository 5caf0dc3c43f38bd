// Package graph is the gorgonia side of minima: ReLU networks built as gorgonia
// expression graphs, their losses, and the loss, gradient and Hessian-vector
// product of the mean loss over a sample set, all by symbolic differentiation.
//
// # Networks and parameters
//
// A network (Spec) is a list of layers of the kinds registered in layer.go:
// dense, conv2d, maxpool and flatten, one type per kind, each owning its JSON
// form, shapes, parameters, graph construction, plain-Go reference computation
// and how a rescaling acts on it. The parameters are one flat []float64 in the
// order of "params" in model.json (see Model); Spec.Params lists it.
//
// # Derivatives
//
// Gradients come from gorgonia's Grad. Hessian-vector products are reverse over
// reverse: Hv = ∇_θ ⟨∇_θ L(θ), v⟩. gorgonia v0.9.18 silently reuses first-order
// derivatives when Grad is called twice on one graph, so the expression DAG of
// the gradient is first copied into a fresh graph (ops.CopyDAG) and differentiated
// there. Each graph is built once per network and chunk shape and reused for every
// product: new θ, v and samples are bound to its input nodes.
//
// # Execution
//
// The graphs are executed by minima's own program (exec.go), not gorgonia's tape
// machine: only the nodes the outputs need, every intermediate allocated once.
// Between products at the same θ each chunk keeps the values that do not depend
// on v (machine.go; ObjectiveSettings.KeepBytes bounds them), so a Lanczos
// product runs only the part that does. Keeping changes speed, not bits.
//
// # Sample sets
//
// Loss, gradient and Hv are the exact mean over all samples of a set, accumulated
// chunk by chunk (Objective). Every chunk has the same shape: a per-sample weight
// input (1/N for a real sample, 0 for padding) makes the last, shorter chunk exact
// without a second graph, and memory stays that of one chunk. Chunks of 8-bit
// data (at most 256 distinct values, such as MNIST's pixels) are held as bytes
// and a palette and decoded exactly before each run (chunk.go).
package graph
