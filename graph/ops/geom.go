package ops

import "fmt"

// Geom is the geometry of a sliding window over NHWC activations of Batch
// samples with C channels of H×W pixels: a KH×KW window moved with stride
// SH, SW over the input zero-padded by PH rows above and below and PW columns
// left and right (PyTorch's Conv2d/MaxPool2d kernel_size, stride, padding).
// Strides must be set (there is no default); MaxPool takes no padding.
type Geom struct {
	Batch, C, H, W int // input: Batch samples, C channels, H×W pixels
	KH, KW         int // window (kernel) height and width
	SH, SW         int // stride
	PH, PW         int // zero padding on each side
}

// OutH is the output height ⌊(H + 2PH − KH)/SH⌋ + 1.
func (g Geom) OutH() int { return (g.H+2*g.PH-g.KH)/g.SH + 1 }

// OutW is the output width ⌊(W + 2PW − KW)/SW⌋ + 1.
func (g Geom) OutW() int { return (g.W+2*g.PW-g.KW)/g.SW + 1 }

// Validate reports, in one line, the first thing wrong with g: a
// non-positive size, kernel or stride, a negative padding, or a window that
// does not fit in the padded input.
func (g Geom) Validate() error {
	switch {
	case g.Batch < 1 || g.C < 1 || g.H < 1 || g.W < 1:
		return fmt.Errorf("ops: input batch %d, channels %d, size %d×%d: each must be ≥ 1", g.Batch, g.C, g.H, g.W)
	case g.KH < 1 || g.KW < 1:
		return fmt.Errorf("ops: kernel %d×%d: each side must be ≥ 1", g.KH, g.KW)
	case g.SH < 1 || g.SW < 1:
		return fmt.Errorf("ops: stride %d×%d: each must be ≥ 1", g.SH, g.SW)
	case g.PH < 0 || g.PW < 0:
		return fmt.Errorf("ops: padding %d×%d: each must be ≥ 0", g.PH, g.PW)
	case g.KH > g.H+2*g.PH || g.KW > g.W+2*g.PW:
		return fmt.Errorf("ops: kernel %d×%d larger than the padded input %d×%d", g.KH, g.KW, g.H+2*g.PH, g.W+2*g.PW)
	}
	return nil
}

// inRows is the number of rows of the NHWC input, Batch·H·W.
func (g Geom) inRows() int { return g.Batch * g.H * g.W }

// outRows is the number of rows of an NHWC output, Batch·OutH·OutW.
func (g Geom) outRows() int { return g.Batch * g.OutH() * g.OutW() }

// patch is the number of values in one window of one channel, KH·KW.
func (g Geom) patch() int { return g.KH * g.KW }

// String writes every field, for op names and hashes.
func (g Geom) String() string {
	return fmt.Sprintf("B%d C%d %dx%d k%dx%d s%dx%d p%dx%d", g.Batch, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW)
}
