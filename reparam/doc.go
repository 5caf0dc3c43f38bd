// Package reparam implements the function-preserving reparametrizations of ReLU
// networks studied by Dinh, Pascanu, Bengio & Bengio (ICML 2017, "Sharp minima
// can generalize for deep networks"), together with the bookkeeping they need:
//
//   - Layerwise: the layer-wise rescaling T_α: (θ_1,…,θ_K) ↦ (α_1θ_1,…,α_Kθ_K) with
//     ∏α_k = 1, extended to biases so that the network function is unchanged.
//   - Neuron, Neuronwise, RandomNeurons: per-hidden-unit rescalings (incoming
//     weights and bias × c, outgoing weights × 1/c); for a convolution, a unit
//     is a channel.
//   - WeightNorm: the weight-normalisation reparametrization w = s·v/‖v‖, in which
//     v ↦ αv leaves w unchanged.
//   - Equivalence: a relative output difference, to check that a
//     reparametrization preserves the function.
//
// Every reparametrization here is a positive diagonal linear map θ ↦ S⊙θ on the
// flat parameter vector (S is returned by Scales, NeuronScales, ...). Because the
// loss is unchanged, L(S⊙θ) = L(θ) for all θ, and differentiating this identity
// gives
//
//	∇L(S⊙θ)  = D ⊙ ∇L(θ),          D = 1/S elementwise,
//	∇²L(S⊙θ) = D ∇²L(θ) D          (D as a diagonal matrix).
//
// For layer-wise T_α without biases D is the D_α of Dinh et al. (α_k⁻¹ on the
// entries of θ_k); Diag returns D including the bias entries.
//
// How a rescaling acts on each kind of layer is the layer's own business
// (graph.Spec.Rescaling asks every layer); this package chooses the factors.
// The network the tests check against is graph's plain-Go reference
// (graph.Forward, graph.Reference).
package reparam
