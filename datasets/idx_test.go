package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// idxBytes encodes an IDX file with the given header fields and data.
func idxBytes(typ byte, dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t *testing.T, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pseudoRandom returns n deterministic, poorly compressible bytes.
func pseudoRandom(n int) []byte {
	out := make([]byte, n)
	x := uint32(2463534242)
	for i := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[i] = byte(x)
	}
	return out
}

func TestReadIDXRoundTrip(t *testing.T) {
	dir := t.TempDir()
	dims := []int{5, 4, 3}
	data := pseudoRandom(5 * 4 * 3)
	raw := idxBytes(IDXUint8, dims, data)
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"images-raw", raw},
		// A misleading name: detection must be by content, not suffix.
		{"images-gzip.bin", gzipBytes(t, raw)},
		{"images-raw-named.gz", raw},
	} {
		path := filepath.Join(dir, tc.name)
		writeFile(t, path, tc.content)
		got, err := ReadIDX(path, 3)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Type != IDXUint8 || !reflect.DeepEqual(got.Dims, dims) || !bytes.Equal(got.Data, data) {
			t.Errorf("%s: got type %#x dims %v data %v; want %#x %v %v", tc.name, got.Type, got.Dims, got.Data, IDXUint8, dims, data)
		}
	}
	// wantDims <= 0 accepts any count.
	path := filepath.Join(dir, "labels")
	writeFile(t, path, idxBytes(IDXUint8, []int{3}, []byte{7, 8, 9}))
	got, err := ReadIDX(path, 0)
	if err != nil || !reflect.DeepEqual(got.Dims, []int{3}) || !bytes.Equal(got.Data, []byte{7, 8, 9}) {
		t.Errorf("labels: got %+v, %v", got, err)
	}
}

func TestReadIDXFromReader(t *testing.T) {
	data := []byte{1, 2, 3, 4, 5, 6}
	got, err := ReadIDXFrom(bytes.NewReader(gzipBytes(t, idxBytes(IDXUint8, []int{2, 3}, data))), "mem", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Dims, []int{2, 3}) || !bytes.Equal(got.Data, data) {
		t.Errorf("got %+v", got)
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes(IDXUint8, []int{4, 2, 3}, pseudoRandom(24))
	bigGood := idxBytes(IDXUint8, []int{100, 10, 10}, pseudoRandom(10000))
	gzBig := gzipBytes(t, bigGood)

	badMagic := append([]byte(nil), good...)
	badMagic[1] = 0x01
	flipped := append([]byte(nil), gzBig...)
	flipped[len(flipped)/2] ^= 0xff
	badCRC := append([]byte(nil), gzBig...)
	badCRC[len(badCRC)-6] ^= 0xff // inside the CRC-32 of the trailer

	cases := []struct {
		name     string
		content  []byte
		wantDims int
		phrase   string
	}{
		{"empty", nil, 3, "truncated: want 4 header bytes, got 0"},
		{"wrong-magic", badMagic, 3, "bad magic 0x0001"},
		{"wrong-type", idxBytes(0x0D, []int{4, 2, 3}, make([]byte, 96)), 3, "unsupported element type 0x0d (float32)"},
		{"unknown-type", idxBytes(0x42, []int{4, 2, 3}, make([]byte, 24)), 3, "unsupported element type 0x42 (unknown)"},
		{"wrong-dims", good, 1, "want 1 dimensions, header declares 3"},
		{"zero-dims-count", idxBytes(IDXUint8, nil, nil), 0, "header declares zero dimensions"},
		{"zero-dimension", idxBytes(IDXUint8, []int{4, 0, 3}, nil), 3, "dimension 1 of 3 is zero"},
		{"huge-dimension", idxBytes(IDXUint8, []int{MaxIDXDim + 1}, nil), 1, "above the limit"},
		{"huge-total", idxBytes(IDXUint8, []int{MaxIDXDim, MaxIDXDim}, nil), 2, "exceed the data size limit"},
		{"truncated-dims", good[:9], 3, "truncated: want 12 header bytes, got 5"},
		{"truncated-data", good[:len(good)-5], 3, "truncated: want 24 data bytes, got 19"},
		{"trailing-bytes", append(append([]byte(nil), good...), 1, 2), 3, "trailing data: 2 extra bytes after 24 data bytes"},
		{"gzip-truncated-data", gzBig[:len(gzBig)/2], 3, "corrupt gzip stream"},
		{"gzip-truncated-trailer", gzBig[:len(gzBig)-3], 3, "corrupt gzip stream"},
		{"gzip-bad-header", []byte{0x1f, 0x8b, 0x00, 0x00}, 3, "corrupt gzip stream"},
		{"gzip-flipped-byte", flipped, 3, "corrupt gzip stream"},
		{"gzip-bad-checksum", badCRC, 3, "corrupt gzip stream"},
		{"gzip-clean-but-truncated-idx", gzipBytes(t, good[:len(good)-1]), 3, "truncated: want 24 data bytes, got 23"},
		{"gzip-trailing-idx", gzipBytes(t, append(append([]byte(nil), good...), 0)), 3, "trailing data: 1 extra bytes"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+"-idx3-ubyte.gz")
			writeFile(t, path, tc.content)
			got, err := ReadIDX(path, tc.wantDims)
			if err == nil {
				t.Fatalf("no error; got dims %v", got.Dims)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "datasets: ") || !strings.Contains(msg, path) || !strings.Contains(msg, tc.phrase) {
				t.Errorf("error %q: want prefix %q, path %q and phrase %q", msg, "datasets: ", path, tc.phrase)
			}
		})
	}
}

func TestReadIDXMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope-idx1-ubyte")
	_, err := ReadIDX(path, 1)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error naming %s", err, path)
	}
}
