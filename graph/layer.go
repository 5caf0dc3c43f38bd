package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/minima-project/minima/graph/ops"
)

// Shape is the shape of one sample's activation: [D] for a feature vector,
// [C, H, W] for C channels of H×W pixels. Activations are stored flat in
// PyTorch's order (channel-major: index c·H·W + h·W + w), one sample per row.
type Shape []int

// Size is the number of values of one sample, the product of the dimensions.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Units is the number of units a rescaling may scale independently: the
// features of a vector, the channels of an image (a positive factor per
// channel commutes with max-pooling and ReLU).
func (s Shape) Units() int { return s[0] }

// spatial reports whether s is an image shape [C, H, W].
func (s Shape) spatial() bool { return len(s) == 3 }

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// validate checks that s is [D] or [C, H, W] with positive sizes.
func (s Shape) validate() error {
	if len(s) != 1 && len(s) != 3 {
		return fmt.Errorf("shape %v: want (D) or (C, H, W)", s)
	}
	for _, d := range s {
		if d < 1 || d > MaxWidth {
			return fmt.Errorf("shape %v: every size must be in [1, %d]", s, MaxWidth)
		}
	}
	if s.Size() > MaxWidth {
		return fmt.Errorf("shape %v: %d values per sample, more than %d", s, s.Size(), MaxWidth)
	}
	return nil
}

// ParamSpec is one parameter array of a layer, before it is placed in the flat
// parameter vector (see Param).
type ParamSpec struct {
	Name  string // "W" or "b"
	Shape []int  // as stored in its .npy file
	// FanIn and FanOut are the numbers of inputs and outputs each weight
	// connects, for initialisation (He: N(0, 2/FanIn); Glorot: U(±√(6/(FanIn+FanOut)))).
	FanIn, FanOut int
	// Bias arrays are initialised to zero.
	Bias bool
}

// Layer is one kind of layer. Each kind is one type in one file that owns
// everything about it: its JSON form (the object in model.json's "layers",
// with "type" = Kind()), validation and output shape, its parameter arrays,
// its gorgonia construction, its plain-Go reference computation (the
// independent check of the graph), and how a positive rescaling of units acts
// on its parameters. Nothing outside the layer's file looks inside it.
//
// The kinds are Dense, Conv2D, MaxPool and Flatten; Kinds lists them.
type Layer interface {
	// Kind is the layer's "type" in model.json.
	Kind() string
	// String describes the layer in one short line.
	String() string
	// OutShape checks the layer's own settings against its input shape and
	// returns the shape of its output.
	OutShape(in Shape) (Shape, error)
	// Params lists the layer's parameter arrays, in flat order (none for a
	// layer without parameters).
	Params() []ParamSpec

	// build appends the layer to a gorgonia graph: params are its parameter
	// nodes, shaped as Params says.
	build(in act, params []*G.Node) (act, error)
	// forward is the reference forward pass over n samples: x holds n rows of
	// in.Size() values, the result n rows of the output size.
	forward(x []float64, n int, in Shape, p [][]float64) []float64
	// backward is the reference backward pass: given the input x and output y
	// of forward and dy = ∂L/∂y, it adds ∂L/∂p into dp and returns ∂L/∂x.
	backward(x, y, dy []float64, n int, in Shape, p, dp [][]float64) []float64
	// rescale says how a positive rescaling of units acts on the layer. cin
	// holds a factor per unit of its input (in.Units()). A layer with
	// parameters is told the factors of its output units, cout, and writes the
	// factor of every parameter entry into f (shaped as Params); the function
	// is kept when its output is scaled by cout exactly. A layer without
	// parameters gets cout == nil and returns the factors its output units
	// take (max-pooling keeps a channel's factor, flattening repeats it).
	rescale(in Shape, cin, cout []float64, f [][]float64) []float64
}

// kinds maps a "type" to a constructor of an empty layer of that kind.
var kinds = map[string]func() Layer{
	kindDense:   func() Layer { return &Dense{} },
	kindConv2D:  func() Layer { return &Conv2D{} },
	kindMaxPool: func() Layer { return &MaxPool{} },
	kindFlatten: func() Layer { return &Flatten{} },
}

// Kinds lists the layer types model.json may use.
func Kinds() []string {
	ks := make([]string, 0, len(kinds))
	for k := range kinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Layers is a list of layers with the JSON form of model.json's "layers":
// each an object whose "type" names its kind.
type Layers []Layer

// MarshalJSON writes each layer as its own JSON object with "type" first.
func (ls Layers) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		body, err := json.Marshal(l)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, `{"type":%q`, l.Kind())
		if len(body) > 2 {
			b.WriteByte(',')
		}
		b.Write(body[1:])
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// UnmarshalJSON reads layers of the known kinds; an unknown "type" or field
// is an error naming the layer.
func (ls *Layers) UnmarshalJSON(data []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return err
	}
	out := make(Layers, len(raws))
	for i, raw := range raws {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		var kind string
		if err := json.Unmarshal(fields["type"], &kind); err != nil {
			return fmt.Errorf("layer %d: \"type\" must be one of %s", i, strings.Join(Kinds(), ", "))
		}
		mk, ok := kinds[kind]
		if !ok {
			return fmt.Errorf("layer %d: unknown type %q (want one of %s)", i, kind, strings.Join(Kinds(), ", "))
		}
		delete(fields, "type")
		rest, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		l := mk()
		dec := json.NewDecoder(bytes.NewReader(rest))
		dec.DisallowUnknownFields()
		if err := dec.Decode(l); err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, kind, err)
		}
		if d, ok := l.(interface{ setDefaults() }); ok {
			d.setDefaults()
		}
		out[i] = l
	}
	*ls = out
	return nil
}

// act is an activation inside a graph under construction: a node holding
// batch samples of a shape, either as rows of shape.Size() values (PyTorch's
// flat order) or, for images, in NHWC rows — one row per pixel, one column
// per channel — the layout the convolution and pooling ops work in.
type act struct {
	node  *G.Node
	shape Shape
	batch int
	nhwc  bool
}

// checkActivation validates an activation name.
func checkActivation(a string) error {
	if a != ReLU && a != Linear {
		return fmt.Errorf("unknown activation %q (want %s or %s)", a, ReLU, Linear)
	}
	return nil
}

// activate applies an activation to a node: ReLU with gorgonia's Rectify's
// values and derivatives, bit for bit, in one fused op (see ops.ReLU).
func activate(n *G.Node, a string) (*G.Node, error) {
	if a == ReLU {
		return ops.ReLU(n)
	}
	return n, nil
}

// relu applies ReLU in place (reference computation).
func reluInPlace(y []float64) {
	for i, v := range y {
		if v < 0 {
			y[i] = 0
		}
	}
}

// reluBackward returns dy masked where the ReLU output y is not positive.
func reluBackward(y, dy []float64, a string) []float64 {
	if a != ReLU {
		return dy
	}
	dz := make([]float64, len(dy))
	for i, v := range y {
		if v > 0 {
			dz[i] = dy[i]
		}
	}
	return dz
}

// biasNote is ", no bias" for a layer without bias.
func biasNote(bias bool) string {
	if bias {
		return ""
	}
	return ", no bias"
}

// String writes a pair as "2" when both sides agree, else "2×3".
func (p Pair) String() string {
	if p[0] == p[1] {
		return fmt.Sprint(p[0])
	}
	return fmt.Sprintf("%d×%d", p[0], p[1])
}

// Pair is a (height, width) pair: a kernel, stride or padding. In JSON it is
// written [h, w]; a single number n is read as [n, n].
type Pair [2]int

// UnmarshalJSON accepts 5 (meaning [5, 5]) or [5, 3].
func (p *Pair) UnmarshalJSON(b []byte) error {
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*p = Pair{one, one}
		return nil
	}
	var two [2]int
	if err := json.Unmarshal(b, &two); err != nil {
		return fmt.Errorf("want a number or a pair [h, w], got %s", b)
	}
	*p = two
	return nil
}

// toNHWC returns the activation of an image shape as NHWC rows.
func toNHWC(a act) (*G.Node, error) {
	if a.nhwc {
		return a.node, nil
	}
	c, h, w := a.shape[0], a.shape[1], a.shape[2]
	if c == 1 { // one channel: both layouts hold the same numbers
		return G.Reshape(a.node, []int{a.batch * h * w, 1})
	}
	return ops.NCHWToNHWC(a.node, a.batch, c, h, w)
}

// toFlat returns the activation as rows of shape.Size() values in PyTorch's
// channel-major order.
func toFlat(a act) (*G.Node, error) {
	if !a.nhwc {
		return a.node, nil
	}
	c, h, w := a.shape[0], a.shape[1], a.shape[2]
	if c == 1 {
		return G.Reshape(a.node, []int{a.batch, h * w})
	}
	return ops.NHWCToNCHW(a.node, a.batch, c, h, w)
}
