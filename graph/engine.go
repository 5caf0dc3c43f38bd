package graph

// ProductCount is the number of Hessian-vector products computed so far (the
// Products field), as study.Engine asks for it.
func (o *Objective) ProductCount() int { return o.Products }
