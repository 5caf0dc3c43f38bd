package graph

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// chunk is a fixed-shape slice of a sample set, prepared once as tensors: rows
// past the real samples are zero with zero weight.
//
// A chunk whose features take at most 256 distinct values (MNIST's pixels
// k/255, any 8-bit data) holds them as one byte each and a palette of the
// values: 47 MB for all of MNIST's training images instead of 376 MB. It
// decodes them, exactly, into a buffer shared by the chunks of its sample set
// when a run needs them.
type chunk struct {
	x, y, w *tensor.Dense
	labels  []int // labels of the real samples
	n       int   // real samples

	codes []uint8    // x[i] = palette[codes[i]], when non-nil
	pal64 []float64  // the palette, in the chunk's dtype
	pal32 []float32  //
	buf   *decodeBuf // where x is decoded
}

// decodeBuf is the buffer coded chunks decode their features into, and the
// chunk whose features it holds.
type decodeBuf struct {
	x     *tensor.Dense
	owner *chunk
}

// input returns the chunk's features as a tensor, decoding coded ones into
// the shared buffer (unless they already are there). The tensor is valid
// until another chunk of the same sample set is decoded.
func (c *chunk) input() *tensor.Dense {
	if c.codes == nil || c.buf.owner == c {
		return c.x
	}
	switch xs := c.buf.x.Data().(type) {
	case []float64:
		for i, b := range c.codes {
			xs[i] = c.pal64[b]
		}
	case []float32:
		for i, b := range c.codes {
			xs[i] = c.pal32[b]
		}
	}
	c.buf.owner = c
	return c.x
}

// makeChunks splits n samples (x row-major n×d, labels y) into chunks of batch
// rows of dtype dt (float64 or float32). Each real sample gets weight weight;
// padding gets 0. With more than one chunk, chunks whose features take at most
// 256 distinct values are coded (see chunk) and do not refer to x; full
// float64 chunks that are not read x in place (no copy): x must not change
// while they are in use.
func makeChunks(x []float64, y []int, n, d, classes, batch int, weight float64, dt tensor.Dtype) ([]*chunk, error) {
	if len(x) != n*d || len(y) != n {
		return nil, fmt.Errorf("graph: sample set has %d values and %d labels, want %d×%d and %d", len(x), len(y), n, d, n)
	}
	var cs []*chunk
	var buf *decodeBuf
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		xc := x[start*d : end*d : end*d]
		if n > batch {
			if codes, pal, ok := quantize(xc, batch*d); ok {
				if buf == nil {
					buf = &decodeBuf{x: tensor.New(tensor.WithShape(batch, d), tensor.Of(dt))}
				}
				c, err := newChunkOf(nil, y[start:end], d, classes, batch, weight, dt, false)
				if err != nil {
					return nil, err
				}
				c.x, c.codes, c.buf = buf.x, codes, buf
				if dt == tensor.Float32 {
					c.pal32 = toFloat32(nil, pal)
				} else {
					c.pal64 = pal
				}
				cs = append(cs, c)
				continue
			}
		}
		c, err := newChunkOf(xc, y[start:end], d, classes, batch, weight, dt, true)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// quantize codes x, padded with zeros to size values, as bytes into a palette
// of its distinct values (bit patterns: -0 and 0 are distinct), or reports
// false when there are more than 256.
func quantize(x []float64, size int) (codes []uint8, palette []float64, ok bool) {
	// Open addressing over the bit patterns: at most 256 keys in 512 slots.
	const slots = 512
	var keys [slots]uint64
	var code [slots]uint8
	var used [slots]bool
	codes = make([]uint8, size)
	lookup := func(f float64) (uint8, bool) {
		b := math.Float64bits(f)
		h := (b * 0x9E3779B97F4A7C15) >> 55 // 9 bits
		for ; used[h]; h = (h + 1) % slots {
			if keys[h] == b {
				return code[h], true
			}
		}
		if len(palette) == 256 {
			return 0, false
		}
		used[h], keys[h], code[h] = true, b, uint8(len(palette))
		palette = append(palette, f)
		return code[h], true
	}
	last, lastCode := math.NaN(), uint8(0)
	for i, f := range x {
		if math.Float64bits(f) == math.Float64bits(last) {
			codes[i] = lastCode
			continue
		}
		c, ok := lookup(f)
		if !ok {
			return nil, nil, false
		}
		codes[i], last, lastCode = c, f, c
	}
	if len(x) < size {
		c, ok := lookup(0)
		if !ok {
			return nil, nil, false
		}
		for i := len(x); i < size; i++ {
			codes[i] = c
		}
	}
	return codes, palette, true
}

// newChunk copies up to batch samples into fixed-shape float64 tensors.
func newChunk(x []float64, y []int, d, classes, batch int, weight float64) (*chunk, error) {
	if x == nil {
		x = []float64{} // an empty chunk, filled later, still has features
	}
	return newChunkOf(x, y, d, classes, batch, weight, tensor.Float64, false)
}

// newChunkOf prepares up to batch samples as tensors of dtype dt; with share,
// a full float64 chunk uses x itself as its backing array. A nil x prepares
// the labels and weights only (for coded chunks).
func newChunkOf(x []float64, y []int, d, classes, batch int, weight float64, dt tensor.Dtype, share bool) (*chunk, error) {
	m := len(y)
	if m > batch || (x != nil && len(x) != m*d) {
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
		if x != nil {
			xs := x
			if !share || m < batch {
				xs = make([]float64, batch*d)
				copy(xs, x)
			}
			c.x = tensor.New(tensor.WithShape(batch, d), tensor.WithBacking(xs))
		}
		c.y = tensor.New(tensor.WithShape(batch, classes), tensor.WithBacking(ys))
		c.w = tensor.New(tensor.WithShape(batch), tensor.WithBacking(ws))
	case tensor.Float32:
		if x != nil {
			xs := make([]float32, batch*d)
			for i, v := range x {
				xs[i] = float32(v)
			}
			c.x = tensor.New(tensor.WithShape(batch, d), tensor.WithBacking(xs))
		}
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
