// Package measures computes numbers about a minimum of a loss: Hessian spectra
// (Lanczos, power iteration, exact), trace, spectral density, ε-sharpness,
// ε-flatness and scale-invariant measures.
//
// It is pure numerics over flat []float64 and never imports gorgonia. It consumes
// two small interfaces declared here, Operator and Objective; package graph
// satisfies them for a neural network on a sample set, and tests satisfy them with
// explicit matrices and toy functions whose answers are known.
//
// Settings structs follow gonum's optimize style: the zero value of each field
// (and a nil pointer) selects its documented default. FisherRaoSettings, which
// describes the network rather than the method, has no default Depth.
//
// Randomness: every randomised estimator takes a Seed and draws from its own
// math/rand/v2 PCG, seeded with (Seed, a constant naming the estimator). One
// seed thus gives each estimator a different stream — callers pass the same
// seed to all of them, with no offsets — and equal settings give
// bit-identical results.
package measures
