// Package datasets provides the labelled sample sets that the rest of minima
// trains on and measures: real MNIST read from the original IDX files, seeded
// synthetic Gaussian clusters (as in Sagun et al., 2018), and deterministic
// stratified subsets of either.
//
// Every sample set is a *Set: N samples of D float64 features stored row-major
// in one flat slice, with integer labels in [0, Classes). Everything here is
// deterministic: a seed fully determines a synthetic data set or a subset, bit
// for bit, so that a run can be regenerated from the configuration stored next
// to a model. A Source (model.json's "data") is untrusted input: Validate
// bounds every size it asks for and checks the memory needed before anything
// is allocated, and its Fingerprint pins the training split a model was
// trained on.
//
// MNIST images are kept as the bytes they are stored as and only the samples
// selected are converted to float64; a gzip-compressed images file is
// decoded once into a cache (see mnistcache.go) so that later commands read
// only the images they select.
//
// The package uses only the standard library. Errors are prefixed with
// "datasets:" and, when a file is involved, name the file.
package datasets
