// Package measures computes numbers about a minimum of a loss: Hessian spectra
// (Lanczos, power iteration, exact), trace, spectral density, ε-sharpness,
// ε-flatness and scale-invariant measures.
//
// It is pure numerics over flat []float64 and never imports gorgonia. It consumes
// two small interfaces declared here, Operator and Objective; package graph
// satisfies them for a neural network on a sample set, and tests satisfy them with
// explicit matrices and toy functions whose answers are known.
package measures
