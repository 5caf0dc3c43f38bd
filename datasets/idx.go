package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDXUint8 is the IDX element-type code for unsigned bytes, the only element
// type MNIST uses and the only one ReadIDX accepts.
const IDXUint8 byte = 0x08

// Limits applied to IDX headers so that a corrupt or hostile header cannot
// request an absurd allocation.
const (
	// MaxIDXDim is the largest size accepted for any single dimension.
	MaxIDXDim = 1 << 24
	// MaxIDXBytes is the largest total data size accepted, in bytes.
	MaxIDXBytes = 1 << 31
)

// idxTypeNames names the element types defined by the IDX format, for error
// messages about the ones this package does not support.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

// IDX is the decoded content of an IDX file.
type IDX struct {
	// Type is the element-type code from the header (always IDXUint8 for
	// values returned by this package).
	Type byte
	// Dims holds the size of each dimension, outermost first; for MNIST
	// images it is [count, 28, 28], for labels [count].
	Dims []int
	// Data holds the elements in row-major order; len(Data) is the product
	// of Dims.
	Data []byte
}

// ReadIDX reads the IDX file at path, which may be gzip-compressed (detected
// by the gzip magic bytes 0x1f 0x8b, not by the file name) or raw.
//
// If wantDims > 0 the header must declare exactly that many dimensions (3 for
// MNIST images, 1 for labels); wantDims <= 0 accepts any non-zero count.
//
// The file is validated strictly: the magic bytes, the element type (only
// IDXUint8 is supported), the dimension count, every dimension being in
// [1, MaxIDXDim], the total size being at most MaxIDXBytes, the data being
// exactly as long as the product of the dimensions (neither truncated nor
// followed by trailing bytes) and, for gzip input, the integrity of the
// compressed stream including its checksum. Every error names path.
func ReadIDX(path string, wantDims int) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	return ReadIDXFrom(f, path, wantDims)
}

// ReadIDXFrom is ReadIDX reading from r; name identifies the source in error
// messages (normally the file path). It reads r to its end.
func ReadIDXFrom(r io.Reader, name string, wantDims int) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	src := &idxSource{r: br, name: name}
	// A short Peek (file under 2 bytes) falls through to the raw path, where
	// reading the header reports the truncation.
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, src.errorf("corrupt gzip stream: %v", err)
		}
		defer zr.Close()
		src.r, src.gzip = zr, true
	}

	dims, total, err := readIDXHeader(src, wantDims)
	if err != nil {
		return nil, err
	}

	data := make([]byte, total)
	if err := src.readFull(data, "data"); err != nil {
		return nil, err
	}
	// Read to the end: this detects trailing bytes and, for gzip, makes the
	// reader verify the stream's checksum and length.
	extra, err := io.Copy(io.Discard, src.r)
	if err != nil {
		return nil, src.streamErr(err, "after the data")
	}
	if extra > 0 {
		return nil, src.errorf("trailing data: %d extra bytes after %d data bytes", extra, total)
	}
	return &IDX{Type: IDXUint8, Dims: dims, Data: data}, nil
}

// readIDXHeader reads and checks the header of an uncompressed IDX stream
// (see ReadIDX): it returns the dimensions and the data size in bytes.
func readIDXHeader(src *idxSource, wantDims int) (dims []int, total int, err error) {
	var hdr [4]byte
	if err := src.readFull(hdr[:], "header"); err != nil {
		return nil, 0, err
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, 0, src.errorf("bad magic 0x%02x%02x: want 0x0000 (not an IDX file)", hdr[0], hdr[1])
	}
	typ := hdr[2]
	if typ != IDXUint8 {
		tn, ok := idxTypeNames[typ]
		if !ok {
			tn = "unknown"
		}
		return nil, 0, src.errorf("unsupported element type 0x%02x (%s): only 0x%02x (unsigned byte) is supported", typ, tn, IDXUint8)
	}
	nd := int(hdr[3])
	if nd == 0 {
		return nil, 0, src.errorf("header declares zero dimensions")
	}
	if wantDims > 0 && nd != wantDims {
		return nil, 0, src.errorf("want %d dimensions, header declares %d", wantDims, nd)
	}

	raw := make([]byte, 4*nd)
	if err := src.readFull(raw, "header"); err != nil {
		return nil, 0, err
	}
	dims = make([]int, nd)
	total = 1
	for i := range dims {
		d := int(binary.BigEndian.Uint32(raw[4*i:]))
		switch {
		case d == 0:
			return nil, 0, src.errorf("dimension %d of %d is zero", i, nd)
		case d > MaxIDXDim:
			return nil, 0, src.errorf("dimension %d of %d is %d, above the limit %d", i, nd, d, MaxIDXDim)
		}
		dims[i] = d
		// Both factors are at most 2^31, so the product fits in an int64.
		if int64(total)*int64(d) > MaxIDXBytes {
			return nil, 0, src.errorf("dimensions %v exceed the data size limit of %d bytes", dimsFromRaw(raw), MaxIDXBytes)
		}
		total *= d
	}
	return dims, total, nil
}

// idxHeaderSize is the size in bytes of the header of an IDX file with nd
// dimensions.
func idxHeaderSize(nd int) int64 { return 4 + 4*int64(nd) }

// dimsFromRaw decodes every big-endian uint32 in raw, for error messages.
func dimsFromRaw(raw []byte) []uint32 {
	out := make([]uint32, len(raw)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(raw[4*i:])
	}
	return out
}

// idxSource wraps the (possibly decompressed) input with the name used in
// error messages.
type idxSource struct {
	r    io.Reader
	name string
	gzip bool
}

func (s *idxSource) errorf(format string, args ...any) error {
	return fmt.Errorf("datasets: %s: %s", s.name, fmt.Sprintf(format, args...))
}

// readFull fills buf. A clean end of input before buf is full is reported as
// truncation of the named part ("header" or "data"); any other failure as a
// read error or, for gzip input, a corrupt stream.
func (s *idxSource) readFull(buf []byte, part string) error {
	n := 0
	for n < len(buf) {
		m, err := s.r.Read(buf[n:])
		n += m
		if n == len(buf) {
			// Errors arriving with the final bytes resurface on the next
			// read, which the caller always performs.
			return nil
		}
		if err == io.EOF {
			return s.errorf("truncated: want %d %s bytes, got %d", len(buf), part, n)
		}
		if err != nil {
			return s.streamErr(err, fmt.Sprintf("after %d of %d %s bytes", n, len(buf), part))
		}
	}
	return nil
}

// streamErr describes a non-EOF read failure; where says how far reading got.
func (s *idxSource) streamErr(err error, where string) error {
	if s.gzip {
		hint := ""
		if errors.Is(err, io.ErrUnexpectedEOF) {
			hint = " (file truncated?)"
		}
		return fmt.Errorf("datasets: %s: corrupt gzip stream %s: %w%s", s.name, where, err, hint)
	}
	return fmt.Errorf("datasets: %s: read error %s: %w", s.name, where, err)
}
