package ops

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opCase is one op alone inside the nonlinear loss expLoss, with the values
// to check it at.
type opCase struct {
	name string
	m    model
	data [][]float64
}

// unary is an op of one differentiated input of the given shape.
func unary(name string, in tensor.Shape, f func(x *G.Node) (*G.Node, error)) opCase {
	return opCase{name: name, m: model{
		params: []input{{"x", in}},
		build: func(ps, _ []*G.Node) (*G.Node, error) {
			y, err := f(ps[0])
			if err != nil {
				return nil, err
			}
			return expLoss(y, 11)
		},
	}}
}

// binary is an op of two differentiated inputs of shapes a and b.
func binary(name string, a, b tensor.Shape, op G.Op) opCase {
	return opCase{name: name, m: model{
		params: []input{{"a", a}, {"b", b}},
		build: func(ps, _ []*G.Node) (*G.Node, error) {
			y, err := G.ApplyOp(op, ps[0], ps[1])
			if err != nil {
				return nil, err
			}
			return expLoss(y, 15)
		},
	}}
}

// withFixedX is a pooling derivative op of (x, u): x is data, u is
// differentiated.
func withFixedX(name string, g Geom, uShape tensor.Shape, op G.Op) opCase {
	return opCase{
		name: name,
		m: model{
			params: []input{{"u", uShape}},
			data:   []input{{"x", tensor.Shape{g.inRows(), g.C}}},
			build: func(ps, data []*G.Node) (*G.Node, error) {
				y, err := G.ApplyOp(op, data[0], ps[0])
				if err != nil {
					return nil, err
				}
				return expLoss(y, 12)
			},
		},
		data: [][]float64{randVec(g.inRows()*g.C, 1, 13)},
	}
}

// opCases lists every op of the package alone, over the geometries of
// convCases and poolCases.
func opCases() []opCase {
	var cs []opCase
	for _, tc := range convCases {
		g, o := tc.g, tc.o
		cs = append(cs,
			unary("Im2Col/"+tc.name, tensor.Shape{g.inRows(), g.C}, func(x *G.Node) (*G.Node, error) { return Im2Col(x, g) }),
			unary("Col2Im/"+tc.name, tensor.Shape{g.outRows(), g.C * g.patch()}, func(x *G.Node) (*G.Node, error) { return Col2Im(x, g) }),
			opCase{name: "Conv2D/" + tc.name, m: model{
				params: []input{{"x", tensor.Shape{g.inRows(), g.C}}, {"w", tensor.Shape{o, g.C * g.patch()}}},
				build: func(ps, _ []*G.Node) (*G.Node, error) {
					y, err := Conv2D(ps[0], ps[1], g)
					if err != nil {
						return nil, err
					}
					return expLoss(y, 14)
				},
			}},
			binary("Conv2DData/"+tc.name, tensor.Shape{g.outRows(), o}, tensor.Shape{o, g.C * g.patch()}, convDataOp{g, o}),
			binary("Conv2DFilter/"+tc.name, tensor.Shape{g.inRows(), g.C}, tensor.Shape{g.outRows(), o}, convFilterOp{g, o}),
		)
	}
	for _, tc := range poolCases {
		g := tc.g
		cs = append(cs,
			unary("MaxPool/"+tc.name, tensor.Shape{g.inRows(), g.C}, func(x *G.Node) (*G.Node, error) { return MaxPool(x, g) }),
			withFixedX("scatter/"+tc.name, g, tensor.Shape{g.outRows(), g.C}, scatterOp{g}),
			withFixedX("gather/"+tc.name, g, tensor.Shape{g.inRows(), g.C}, gatherOp{g}),
		)
	}
	const b, c, h, w = 2, 3, 4, 5
	cs = append(cs,
		unary("NCHWToNHWC", tensor.Shape{b, c * h * w}, func(x *G.Node) (*G.Node, error) { return NCHWToNHWC(x, b, c, h, w) }),
		unary("NHWCToNCHW", tensor.Shape{b * h * w, c}, func(x *G.Node) (*G.Node, error) { return NHWCToNCHW(x, b, c, h, w) }),
	)
	return cs
}

// TestGradientMatchesFD: each op's gradient equals central finite
// differences of the loss to 1e-6 (relative to the largest entry).
func TestGradientMatchesFD(t *testing.T) {
	for _, tc := range opCases() {
		t.Run(tc.name, func(t *testing.T) {
			mc := newGradMachine(t, tc.m)
			theta := randVec(tc.m.numParams(), 1, 21)
			_, grad, _ := mc.eval(t, theta, nil, tc.data)
			checkClose(t, "gradient", grad, fdGrad(t, mc, theta, tc.data), 1e-6)
		})
	}
}

// TestHVPMatchesFD: each op's Hessian-vector product, reverse over reverse
// through CopyDAG, equals central finite differences of the gradient along v
// to 1e-6.
func TestHVPMatchesFD(t *testing.T) {
	for _, tc := range opCases() {
		t.Run(tc.name, func(t *testing.T) {
			theta := randVec(tc.m.numParams(), 1, 21)
			v := randVec(tc.m.numParams(), 1, 22)
			_, _, hv := newHVPMachine(t, tc.m).eval(t, theta, v, tc.data)
			want := fdHVP(t, newGradMachine(t, tc.m), theta, v, tc.data)
			checkClose(t, "Hv", hv, want, 1e-6)
		})
	}
}
