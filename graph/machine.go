package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// binding is an input node with a tensor whose backing array we own.
type binding struct {
	node *G.Node
	t    *tensor.Dense
}

func newBinding(n *G.Node) binding {
	return binding{node: n, t: tensor.New(tensor.WithShape(n.Shape()...), tensor.Of(tensor.Float64))}
}

// set copies src into the tensor and binds it to the node.
func (b binding) set(src []float64) error {
	d := b.t.Data().([]float64)
	if len(src) != len(d) {
		return fmt.Errorf("graph: input %s: %d values, want %d", b.node.Name(), len(src), len(d))
	}
	copy(d, src)
	return G.Let(b.node, b.t)
}

// bind binds an existing tensor (a prepared chunk) to the node.
func bind(n *G.Node, t *tensor.Dense) error { return G.Let(n, t) }

// machine runs one compiled graph: a network on a chunk plus, depending on the
// kind, its gradient and Hessian-vector product.
type machine struct {
	vm     G.VM
	x      *G.Node
	y      *G.Node
	w      *G.Node
	params []binding
	vecs   []binding // v, for the HVP machine
	loss   *G.Node
	layout []Param // Spec.Params, in flat order
	// out receives a copy of the logits during a forward run (G.Read): the
	// loss ops may reuse the logits' register in place, so the logits node's
	// own value is not the network output after a run.
	out   G.Value
	grads []*G.Node // ∇θ L, for gradient and HVP machines
	hv    []*G.Node // H·v, for the HVP machine
}

type machineKind int

const (
	kindForward machineKind = iota
	kindGradient
	kindHVP
)

// newMachine builds the graph for one kind of evaluation of spec on a chunk of
// batch samples, once; it is reused for every evaluation.
func newMachine(s Spec, batch int, kind machineKind) (*machine, error) {
	n, err := buildNet(s, batch)
	if err != nil {
		return nil, err
	}
	m := &machine{x: n.x, y: n.y, w: n.w, loss: n.loss, layout: s.Params()}
	params := n.params
	g := n.g
	switch kind {
	case kindForward:
		G.Read(n.logits, &m.out)
	case kindGradient:
		if m.grads, err = G.Grad(n.loss, n.params...); err != nil {
			return nil, fmt.Errorf("graph: gradient: %w", err)
		}
	case kindHVP:
		grads, err := G.Grad(n.loss, n.params...)
		if err != nil {
			return nil, fmt.Errorf("graph: gradient: %w", err)
		}
		// s = Σ_k ⟨g_k, v_k⟩, then copy everything into a fresh graph and
		// differentiate s there (see copyDAG for why).
		var vs []*G.Node
		var s *G.Node
		for k, gk := range grads {
			v := G.NewTensor(n.g, tensor.Float64, params[k].Dims(), G.WithShape(params[k].Shape()...), G.WithName("v_"+params[k].Name()))
			vs = append(vs, v)
			prod, err := G.HadamardProd(gk, v)
			if err != nil {
				return nil, err
			}
			term, err := G.Sum(prod)
			if err != nil {
				return nil, err
			}
			if s == nil {
				s = term
			} else if s, err = G.Add(s, term); err != nil {
				return nil, err
			}
		}
		g = G.NewGraph()
		roots := append([]*G.Node{s, n.loss}, grads...)
		cp, err := copyDAG(g, roots...)
		if err != nil {
			return nil, err
		}
		get := func(old *G.Node) *G.Node {
			if c, ok := cp[old]; ok {
				return c
			}
			// An input the roots do not depend on: give it a node anyway so
			// binding stays uniform.
			c := G.NewTensor(g, old.Dtype(), old.Dims(), G.WithShape(old.Shape()...), G.WithName(old.Name()))
			cp[old] = c
			return c
		}
		m.x, m.y, m.w, m.loss = get(n.x), get(n.y), get(n.w), cp[n.loss]
		params = make([]*G.Node, len(n.params))
		for k := range n.params {
			params[k] = get(n.params[k])
			m.grads = append(m.grads, cp[grads[k]])
			m.vecs = append(m.vecs, newBinding(get(vs[k])))
		}
		if m.hv, err = G.Grad(cp[s], params...); err != nil {
			return nil, fmt.Errorf("graph: Hessian-vector product: %w", err)
		}
	}
	for _, p := range params {
		m.params = append(m.params, newBinding(p))
	}
	m.vm = G.NewTapeMachine(g)
	return m, nil
}

// setParams binds θ (flat) to the parameter inputs.
func (m *machine) setParams(theta []float64) error {
	for k, p := range m.layout {
		if err := m.params[k].set(p.View(theta)); err != nil {
			return err
		}
	}
	return nil
}

// setVector binds v (flat) to the HVP machine's vector inputs.
func (m *machine) setVector(v []float64) error {
	for k, p := range m.layout {
		if err := m.vecs[k].set(p.View(v)); err != nil {
			return err
		}
	}
	return nil
}

// run evaluates the graph on one prepared chunk.
func (m *machine) run(c *chunk) error {
	if err := bind(m.x, c.x); err != nil {
		return err
	}
	if err := bind(m.y, c.y); err != nil {
		return err
	}
	if err := bind(m.w, c.w); err != nil {
		return err
	}
	m.vm.Reset()
	return m.vm.RunAll()
}

// logitsValue returns the network outputs of the last forward run (batch ×
// outputs; valid until the next run).
func (m *machine) logitsValue() []float64 { return m.out.Data().([]float64) }

// lossValue reads the scalar loss after a run.
func (m *machine) lossValue() float64 { return m.loss.Value().Data().(float64) }

// addFlat adds the values of nodes (in params order) into dst (flat).
func (m *machine) addFlat(dst []float64, nodes []*G.Node) {
	for k, p := range m.layout {
		src := nodes[k].Value().Data().([]float64)
		d := p.View(dst)
		for i, x := range src {
			d[i] += x
		}
	}
}

func (m *machine) close() {
	if m != nil && m.vm != nil {
		m.vm.Close()
	}
}
