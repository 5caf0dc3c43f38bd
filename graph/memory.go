package graph

// MemoryEstimate is a generous estimate of the bytes an Objective (or
// training) over chunks of batch samples of s holds at once: parameter-sized
// vectors (θ, gradient, v, Hv, momentum and the engine's own copies), one
// chunk's samples, activations and their first and second derivatives
// (including a convolution's unfolded patches). Commands compare it with the
// available memory before they start. The values an Objective keeps between
// products at the same θ come on top, within a budget that shrinks to fit the
// memory available (see ObjectiveSettings.KeepBytes).
func (s Spec) MemoryEstimate(batch int) float64 {
	p := float64(s.NumParams())
	a := float64(batch) * float64(s.Inputs()+s.ActivationSize()+s.Outputs())
	return 8 * (12*p + 8*a)
}
