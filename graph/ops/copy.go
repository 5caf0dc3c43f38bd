package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// CopyDAG copies the expression DAG under roots into the fresh graph dst and
// returns the map from old nodes to their copies.
//
// Input nodes become new input nodes of the same type, shape and name (values are
// bound later with Let), constants are re-added by value, and every other node is
// re-applied with ApplyOp to the copies of its ordered children. The copies carry
// no derivative state, which is the point: gorgonia's Grad on the original graph
// would skip every node it had already differentiated, so a Hessian-vector
// product is Grad of ⟨∇L, v⟩ taken in the copy.
//
// Op values are shared between the original and the copy, which is why the
// ops of this package keep no state.
func CopyDAG(dst *G.ExprGraph, roots ...*G.Node) (map[*G.Node]*G.Node, error) {
	m := make(map[*G.Node]*G.Node)
	var visit func(n *G.Node) (*G.Node, error)
	visit = func(n *G.Node) (*G.Node, error) {
		if c, ok := m[n]; ok {
			return c, nil
		}
		var c *G.Node
		switch {
		case n.IsVar():
			c = G.NewTensor(dst, n.Dtype(), n.Dims(), G.WithShape(n.Shape()...), G.WithName(n.Name()))
		case n.Op() == nil:
			return nil, fmt.Errorf("ops: copy: node %v has no op and is not an input", n)
		default:
			kids := n.Graph().From(n.ID())
			var cs []*G.Node
			for kids.Next() {
				k, err := visit(kids.Node().(*G.Node))
				if err != nil {
					return nil, err
				}
				cs = append(cs, k)
			}
			if len(cs) == 0 {
				// A leaf with an op: a constant.
				c = dst.Constant(n.Value())
				break
			}
			var err error
			if c, err = G.ApplyOp(n.Op(), cs...); err != nil {
				return nil, fmt.Errorf("ops: copy: re-applying %v: %w", n.Op(), err)
			}
		}
		m[n] = c
		return c, nil
	}
	for _, r := range roots {
		if _, err := visit(r); err != nil {
			return nil, err
		}
	}
	return m, nil
}
