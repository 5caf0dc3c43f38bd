package graph

import (
	"fmt"

	"gorgonia.org/tensor"
)

// chunk is a fixed-shape slice of a sample set, prepared once as tensors: rows
// past the real samples are zero with zero weight.
type chunk struct {
	x, y, w *tensor.Dense
	labels  []int // labels of the real samples
	n       int   // real samples
}

// makeChunks splits n samples (x row-major n×d, labels y) into chunks of batch
// rows of dtype dt (float64 or float32). Each real sample gets weight weight;
// padding gets 0. Full float64 chunks read x in place (no copy): x must not
// change while they are in use.
func makeChunks(x []float64, y []int, n, d, classes, batch int, weight float64, dt tensor.Dtype) ([]*chunk, error) {
	if len(x) != n*d || len(y) != n {
		return nil, fmt.Errorf("graph: sample set has %d values and %d labels, want %d×%d and %d", len(x), len(y), n, d, n)
	}
	var cs []*chunk
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		c, err := newChunkOf(x[start*d:end*d:end*d], y[start:end], d, classes, batch, weight, dt, true)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// newChunk copies up to batch samples into fixed-shape float64 tensors.
func newChunk(x []float64, y []int, d, classes, batch int, weight float64) (*chunk, error) {
	return newChunkOf(x, y, d, classes, batch, weight, tensor.Float64, false)
}

// newChunkOf prepares up to batch samples as tensors of dtype dt; with share,
// a full float64 chunk uses x itself as its backing array.
func newChunkOf(x []float64, y []int, d, classes, batch int, weight float64, dt tensor.Dtype, share bool) (*chunk, error) {
	m := len(y)
	if m > batch || len(x) != m*d {
		return nil, fmt.Errorf("graph: chunk of %d samples does not fit batch %d", m, batch)
	}
	ys := make([]float64, batch*classes)
	ws := make([]float64, batch)
	for i, c := range y {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("graph: label %d out of range [0,%d)", c, classes)
		}
		ys[i*classes+c] = 1
		ws[i] = weight
	}
	c := &chunk{labels: append([]int(nil), y...), n: m}
	switch dt {
	case tensor.Float64:
		xs := x
		if !share || m < batch {
			xs = make([]float64, batch*d)
			copy(xs, x)
		}
		c.x = tensor.New(tensor.WithShape(batch, d), tensor.WithBacking(xs))
		c.y = tensor.New(tensor.WithShape(batch, classes), tensor.WithBacking(ys))
		c.w = tensor.New(tensor.WithShape(batch), tensor.WithBacking(ws))
	case tensor.Float32:
		xs := make([]float32, batch*d)
		for i, v := range x {
			xs[i] = float32(v)
		}
		c.x = tensor.New(tensor.WithShape(batch, d), tensor.WithBacking(xs))
		c.y = tensor.New(tensor.WithShape(batch, classes), tensor.WithBacking(toFloat32(nil, ys)))
		c.w = tensor.New(tensor.WithShape(batch), tensor.WithBacking(toFloat32(nil, ws)))
	default:
		return nil, fmt.Errorf("graph: unsupported dtype %v", dt)
	}
	return c, nil
}

// fill overwrites a float64 chunk in place with new samples and a weight,
// reusing its tensors (for training minibatches).
func (c *chunk) fill(x []float64, y []int, classes int, weight float64) {
	xs := c.x.Data().([]float64)
	ys := c.y.Data().([]float64)
	ws := c.w.Data().([]float64)
	clear(xs)
	clear(ys)
	clear(ws)
	copy(xs, x)
	for i, l := range y {
		ys[i*classes+l] = 1
		ws[i] = weight
	}
	c.labels = append(c.labels[:0], y...)
	c.n = len(y)
}
