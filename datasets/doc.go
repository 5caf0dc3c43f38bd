// Package datasets provides the labelled sample sets that the rest of minima
// trains on and measures: real MNIST read from the original IDX files, seeded
// synthetic Gaussian clusters (as in Sagun et al., 2018), and deterministic
// stratified subsets of either.
//
// Every sample set is a *Set: N samples of D float64 features stored row-major
// in one flat slice, with integer labels in [0, Classes). Everything here is
// deterministic: a seed fully determines a synthetic data set or a subset, bit
// for bit, so that a run can be regenerated from the configuration stored next
// to a model.
//
// The package uses only the standard library. Errors are prefixed with
// "datasets:" and, when a file is involved, name the file.
package datasets
