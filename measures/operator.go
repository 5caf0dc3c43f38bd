package measures

// Operator is a symmetric linear operator on R^n, such as the Hessian of a loss
// at a fixed point, available only through products.
type Operator interface {
	// Dim returns n, the length of the vectors the operator acts on.
	Dim() int
	// Apply sets dst = A·v. dst and v have length Dim and do not alias.
	// Apply must not keep v or dst after it returns.
	Apply(dst, v []float64) error
}

// Objective is a scalar function of parameters with its gradient, such as the
// mean loss of a network over a sample set.
type Objective interface {
	// Dim returns n, the number of parameters.
	Dim() int
	// Loss returns f(θ).
	Loss(theta []float64) (float64, error)
	// LossGrad returns f(θ) and writes ∇f(θ) into grad (length Dim).
	LossGrad(grad, theta []float64) (float64, error)
}
