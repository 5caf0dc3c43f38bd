// Package study composes the floors below into the experiments minima runs:
// the Hessian report of a model (spectrum ends or the exact spectrum, trace,
// density, outliers), the measures of a minimum, and the reparametrisation
// sweep. It imports measures (numerics) and graph (the network) and connects
// them; it computes nothing new itself.
package study
