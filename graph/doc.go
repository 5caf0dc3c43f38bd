// Package graph is the gorgonia side of minima: ReLU networks built as gorgonia
// expression graphs, their losses, and the loss, gradient and Hessian-vector
// product of the mean loss over a sample set, all by symbolic differentiation.
//
// # Parameters
//
// A network is a list of dense layers; layer k computes h_k = φ(h_{k−1}·W_k + b_k)
// with W_k shaped (In, Out). Its parameters are one flat []float64 in a fixed
// order: layer by layer, W_k (row-major) then b_k when the layer has a bias. This
// is the order of "params" in model.json (see Model), and Spec.Params lists it.
//
// # Derivatives
//
// Gradients come from gorgonia's Grad. Hessian-vector products are reverse over
// reverse: Hv = ∇_θ ⟨∇_θ L(θ), v⟩. gorgonia v0.9.18 silently reuses first-order
// derivatives when Grad is called twice on one graph, so the expression DAG of
// the gradient is first copied into a fresh graph (copy.go) and differentiated
// there. Each graph is built once per network and chunk shape and reused for every
// product: new θ, v and samples are bound to its input nodes.
//
// # Sample sets
//
// Loss, gradient and Hv are the exact mean over all samples of a set, accumulated
// chunk by chunk (Objective). Every chunk has the same shape: a per-sample weight
// input (1/N for a real sample, 0 for padding) makes the last, shorter chunk exact
// without a second graph, and memory stays that of one chunk.
package graph
