package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// WriteNpyFloat64 atomically writes data as a NumPy .npy file of dtype
// '<f8' (little-endian float64) in C (row-major) order.
//
// shape gives the array dimensions; the product of shape must equal
// len(data). With no shape the array is 1-D of length len(data). Use
// shape (N, D) for a matrix whose rows are consecutive runs of D values
// in data. 0-d (scalar) arrays cannot be requested through the variadic
// shape; write shape (1,) instead.
//
// The encoding is done by codeberg.org/sbinet/npyio, except for arrays with
// no elements: npyio drops zero-length dimensions (it would write shape ()
// for an empty 1-D slice, which numpy cannot load), so for those this
// package writes the one-line npy header itself, followed by no data.
func WriteNpyFloat64(path string, data []float64, shape ...int) error {
	return writeNpy(path, data, shape)
}

// WriteNpyInt64 atomically writes data as a NumPy .npy file of dtype '<i8'
// (little-endian int64) in C order. It accepts []int64 or []int (converted
// to int64). shape has the same meaning as for WriteNpyFloat64.
func WriteNpyInt64[T int | int64](path string, data []T, shape ...int) error {
	var d []int64
	switch v := any(data).(type) {
	case []int64:
		d = v
	default:
		d = make([]int64, len(data))
		for i, x := range data {
			d[i] = int64(x)
		}
	}
	return writeNpy(path, d, shape)
}

// writeNpy validates shape against data (a []float64 or []int64) and writes
// the file atomically.
func writeNpy[E float64 | int64](path string, data []E, shape []int) error {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	n := 1
	for _, s := range shape {
		if s < 0 {
			return fmt.Errorf("report: write %s: negative dimension in shape %v", path, shape)
		}
		n *= s
	}
	if n != len(data) {
		return fmt.Errorf("report: write %s: shape %v holds %d elements but data has %d", path, shape, n, len(data))
	}
	if n == 0 {
		var descr string
		switch any(data).(type) {
		case []float64:
			descr = "<f8"
		default:
			descr = "<i8"
		}
		return WriteFileAtomic(path, func(w io.Writer) error {
			return writeEmptyNpy(w, descr, shape)
		})
	}
	var v any
	if f, ok := any(data).([]float64); ok && len(shape) == 2 {
		// npyio encodes *mat.Dense without inspecting every element, which
		// is much faster for large matrices (Hessians, weight matrices).
		v = mat.NewDense(shape[0], shape[1], f)
	} else {
		v = nest(reflect.ValueOf(data), shape)
	}
	return WriteFileAtomic(path, func(w io.Writer) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("npyio panicked: %v", r)
			}
		}()
		return npyio.Write(w, v)
	})
}

// nest returns the value npyio should encode for a C-order array of the
// given shape backed by flat: the flat slice itself for 1-D, nested slices
// sharing flat's storage for N-d (npyio infers the shape from the nesting).
func nest(flat reflect.Value, shape []int) any {
	var build func(lo int, shape []int) reflect.Value
	build = func(lo int, shape []int) reflect.Value {
		if len(shape) == 1 {
			return flat.Slice(lo, lo+shape[0])
		}
		chunk := 1
		for _, s := range shape[1:] {
			chunk *= s
		}
		first := build(lo, shape[1:])
		out := reflect.MakeSlice(reflect.SliceOf(first.Type()), shape[0], shape[0])
		out.Index(0).Set(first)
		for i := 1; i < shape[0]; i++ {
			out.Index(i).Set(build(lo+i*chunk, shape[1:]))
		}
		return out
	}
	return build(0, shape).Interface()
}

// writeEmptyNpy writes a version 1.0 .npy header for an array with zero
// elements; no data follows. The header is padded with spaces so that the
// total header length is a multiple of 64, as numpy does.
func writeEmptyNpy(w io.Writer, descr string, shape []int) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr)
	for i, s := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(s))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	dict := sb.String()
	const pre = 6 + 2 + 2 // magic, version, uint16 header length
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	if len(hdr) > math.MaxUint16 {
		return fmt.Errorf("npy header too long (%d bytes)", len(hdr))
	}
	buf := make([]byte, 0, pre+len(hdr))
	buf = append(buf, npyio.Magic[:]...)
	buf = append(buf, 1, 0, byte(len(hdr)), byte(len(hdr)>>8))
	buf = append(buf, hdr...)
	_, err := w.Write(buf)
	return err
}

// ReadNpyFloat64 reads a NumPy .npy file holding a float64 array ('<f8' or
// '>f8') and returns its elements in C (row-major) order together with its
// shape. A 0-d array yields one element and an empty (non-nil) shape.
// Fortran-ordered files are accepted and transposed to C order.
//
// Any other dtype (float32, integers, ...) is an error naming the file and
// the dtype found; so are truncated files, trailing bytes after the data,
// and files that are not .npy at all.
func ReadNpyFloat64(path string) (data []float64, shape []int, err error) {
	err = readNpy(path, &data, &shape, map[string]bool{"f8": true}, "float64")
	return data, shape, err
}

// ReadNpyInt64 reads a NumPy .npy file holding an integer array and returns
// its elements as int64 in C order, with its shape. Signed integers of any
// width (int8 … int64) and unsigned integers up to 32 bits (uint8, as in
// MNIST labels, uint16, uint32) are accepted and widened losslessly; uint64
// and non-integer dtypes are errors naming the file. Other behaviour is as
// for ReadNpyFloat64.
func ReadNpyInt64(path string) (data []int64, shape []int, err error) {
	err = readNpy(path, &data, &shape,
		map[string]bool{"i1": true, "i2": true, "i4": true, "i8": true, "u1": true, "u2": true, "u4": true},
		"int64")
	return data, shape, err
}

// readNpy implements the readers: it opens path (a regular file only, see
// openRegular) and decodes it with decodeNpy, accepting any shape.
func readNpy[E float64 | int64](path string, out *[]E, shapeOut *[]int, ok map[string]bool, want string) error {
	f, fi, err := openRegular(path)
	if err != nil {
		return fmt.Errorf("report: read npy: %w", err)
	}
	defer f.Close()
	return decodeNpy(f, fi.Size(), path, nil, out, shapeOut, ok, want)
}

// maxNpyHeader bounds the header of a .npy file (numpy writes about 128
// bytes; a hostile version 2 header could claim 4 GiB).
const maxNpyHeader = 64 << 10

// decodeNpy reads a .npy file of size bytes from r. It reads the header
// first and checks the dtype (ok lists the accepted codes, kind and size
// without byte-order mark; want names the Go element type for messages),
// the shape (equal to wantShape, unless wantShape is nil) and that size is
// exactly the header plus the data the shape needs — all before reading or
// allocating the data. name is the file named in errors. out is *[]float64
// or *[]int64.
func decodeNpy[E float64 | int64](r io.Reader, size int64, name string, wantShape []int, out *[]E, shapeOut *[]int, ok map[string]bool, want string) (err error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("report: read npy %s: %s", name, fmt.Sprintf(format, args...))
	}
	// npyio indexes into header bytes without bounds checks on malformed
	// input; turn any panic into an error naming the file.
	defer func() {
		if r := recover(); r != nil {
			err = fail("malformed file (npyio: %v)", r)
		}
	}()

	// Magic, version, header length (2 bytes in version 1, 4 after).
	pre := make([]byte, len(npyio.Magic)+4, len(npyio.Magic)+6)
	if n, err := io.ReadFull(r, pre); err != nil {
		if n >= len(npyio.Magic) && bytes.Equal(pre[:len(npyio.Magic)], npyio.Magic[:]) {
			return fail("truncated header")
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fail("not a NumPy .npy file (bad magic)")
		}
		return fail("%v", err)
	}
	if !bytes.Equal(pre[:len(npyio.Magic)], npyio.Magic[:]) {
		return fail("not a NumPy .npy file (bad magic)")
	}
	m := len(npyio.Magic)
	var hlen int64
	switch pre[m] {
	case 1:
		hlen = int64(pre[m+2]) | int64(pre[m+3])<<8
	case 2:
		pre = pre[:m+6]
		if _, err := io.ReadFull(r, pre[m+4:]); err != nil {
			return fail("truncated header")
		}
		hlen = int64(pre[m+2]) | int64(pre[m+3])<<8 | int64(pre[m+4])<<16 | int64(pre[m+5])<<24
	default:
		return fail("unsupported .npy version %d.%d", pre[m], pre[m+1])
	}
	if hlen > maxNpyHeader {
		return fail("header of %d bytes is too long (at most %d)", hlen, maxNpyHeader)
	}
	head := int64(len(pre)) + hlen
	if head > size {
		return fail("truncated header")
	}
	hdrBytes := make([]byte, head)
	copy(hdrBytes, pre)
	if _, err := io.ReadFull(r, hdrBytes[len(pre):]); err != nil {
		return fail("truncated header")
	}
	hr, err := npyio.NewReader(bytes.NewReader(hdrBytes))
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("truncated header")
		}
		return fail("bad header: %v", err)
	}
	hdr := hr.Header.Descr
	descr := strings.Trim(strings.TrimSpace(hdr.Type), `'"`)
	code := descr // npyio honours the byte-order mark itself
	if len(code) > 0 && strings.ContainsRune("<>=|", rune(code[0])) {
		code = code[1:]
	}
	if !ok[code] {
		return fail("dtype %s cannot be read as %s", hdr.Type, want)
	}

	shape := make([]int, len(hdr.Shape))
	copy(shape, hdr.Shape)
	if wantShape != nil && !slices.Equal(shape, wantShape) {
		return fail("shape %v, expected %v", shape, wantShape)
	}
	itemSize, err := strconv.Atoi(code[1:])
	if err != nil || itemSize <= 0 {
		return fail("bad dtype %s", hdr.Type)
	}
	dataBytes := size - head
	n := 1
	for _, s := range shape {
		if s < 0 {
			return fail("negative dimension in shape %v", shape)
		}
		if s > 0 && n > math.MaxInt/itemSize/s {
			return fail("shape %v is too large (file has %d data bytes)", shape, dataBytes)
		}
		n *= s
	}
	need := int64(n) * int64(itemSize)
	switch {
	case dataBytes < need:
		return fail("truncated data: shape %v of %s needs %d bytes, found %d", shape, hdr.Type, need, dataBytes)
	case dataBytes > need:
		return fail("%d unexpected trailing bytes after the data (shape %v, dtype %s)", dataBytes-need, shape, hdr.Type)
	}

	raw := make([]byte, head+need)
	copy(raw, hdrBytes)
	if _, err := io.ReadFull(r, raw[head:]); err != nil {
		return fail("truncated data: %v", err)
	}
	dr, err := npyio.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fail("bad header: %v", err)
	}
	vals, err := readElems[E](dr, code, n)
	if err != nil {
		return fail("%v", err)
	}
	if len(vals) != n {
		return fail("read %d elements, shape %v needs %d", len(vals), shape, n)
	}
	if hdr.Fortran && len(shape) > 1 {
		vals = fortranToC(vals, shape)
	}
	*out = vals
	*shapeOut = shape
	return nil
}

// readElems reads n elements of the on-disk dtype code through npyio and
// converts them to E.
func readElems[E float64 | int64](r *npyio.Reader, code string, n int) ([]E, error) {
	if n == 0 {
		return []E{}, nil
	}
	switch code {
	case "f8":
		return readAs[float64, E](r, n)
	case "i8":
		return readAs[int64, E](r, n)
	case "i4":
		return readAs[int32, E](r, n)
	case "i2":
		return readAs[int16, E](r, n)
	case "i1":
		return readAs[int8, E](r, n)
	case "u4":
		return readAs[uint32, E](r, n)
	case "u2":
		return readAs[uint16, E](r, n)
	case "u1":
		return readAs[uint8, E](r, n)
	}
	return nil, fmt.Errorf("unsupported dtype code %q", code)
}

// readAs reads n elements of on-disk type D and converts them to E.
func readAs[D float64 | int64 | int32 | int16 | int8 | uint32 | uint16 | uint8, E float64 | int64](r *npyio.Reader, n int) ([]E, error) {
	buf := make([]D, n)
	if err := r.Read(&buf); err != nil {
		return nil, err
	}
	if out, same := any(buf).([]E); same {
		return out, nil
	}
	out := make([]E, n)
	for i, v := range buf {
		out[i] = E(v)
	}
	return out, nil
}

// fortranToC reorders column-major (Fortran) data of the given shape into
// row-major (C) order.
func fortranToC[E any](in []E, shape []int) []E {
	nd := len(shape)
	// fstride[k]: distance in the Fortran layout between consecutive
	// indices along axis k.
	fstride := make([]int, nd)
	s := 1
	for k := 0; k < nd; k++ {
		fstride[k] = s
		s *= shape[k]
	}
	out := make([]E, len(in))
	idx := make([]int, nd)
	for i := range out {
		off := 0
		for k := 0; k < nd; k++ {
			off += idx[k] * fstride[k]
		}
		out[i] = in[off]
		for k := nd - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}
