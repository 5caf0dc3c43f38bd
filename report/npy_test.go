package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
)

// craftNpy builds a version 1.0 .npy file by hand, for fixtures npyio will
// not write (Fortran order, big-endian).
func craftNpy(descr string, fortran bool, shape string, payload []byte) []byte {
	f := "False"
	if fortran {
		f = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, f, shape)
	total := 10 + len(dict) + 1
	hdr := dict + strings.Repeat(" ", (64-total%64)%64) + "\n"
	var b bytes.Buffer
	b.Write(npyio.Magic[:])
	b.Write([]byte{1, 0, byte(len(hdr)), byte(len(hdr) >> 8)})
	b.WriteString(hdr)
	b.Write(payload)
	return b.Bytes()
}

func seq(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i)*0.5 - 3 + 1e-17*float64(i)
	}
	return v
}

func TestNpyFloat64RoundTrip(t *testing.T) {
	dir := t.TempDir()
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64}
	cases := []struct {
		name  string
		data  []float64
		shape []int
		want  []int
	}{
		{"1d-default", seq(7), nil, []int{7}},
		{"1d-explicit", seq(7), []int{7}, []int{7}},
		{"NxD", seq(12), []int{4, 3}, []int{4, 3}},
		{"3d", seq(24), []int{2, 3, 4}, []int{2, 3, 4}},
		{"scalar-ish-1", []float64{42}, []int{1}, []int{1}},
		{"scalar-ish-1x1", []float64{42}, []int{1, 1}, []int{1, 1}},
		{"special", special, nil, []int{len(special)}},
		{"empty-1d", []float64{}, nil, []int{0}},
		{"empty-0x5", nil, []int{0, 5}, []int{0, 5}},
		{"empty-3x0", nil, []int{3, 0}, []int{3, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".npy")
			if err := WriteNpyFloat64(p, c.data, c.shape...); err != nil {
				t.Fatal(err)
			}
			got, shape, err := ReadNpyFloat64(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(shape, c.want) {
				t.Fatalf("shape = %v, want %v", shape, c.want)
			}
			if len(got) != len(c.data) {
				t.Fatalf("len = %d, want %d", len(got), len(c.data))
			}
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(c.data[i]) {
					t.Fatalf("[%d] = %v, want %v (bitwise)", i, got[i], c.data[i])
				}
			}
			raw, _ := os.ReadFile(p)
			hdr := string(raw[:min(len(raw), 128)])
			if !strings.Contains(hdr, "'descr': '<f8'") || !strings.Contains(hdr, "'fortran_order': False") {
				t.Fatalf("header %q lacks '<f8' / fortran_order False", hdr)
			}
			wantShape := shapeTuple(c.want)
			if !strings.Contains(hdr, "'shape': "+wantShape) {
				t.Fatalf("header %q lacks shape %s", hdr, wantShape)
			}
		})
	}
}

func shapeTuple(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func TestNpyEmptyHeaderAligned(t *testing.T) {
	p := filepath.Join(t.TempDir(), "e.npy")
	if err := WriteNpyInt64(p, []int64{}, 0, 7); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	if len(raw)%64 != 0 || raw[len(raw)-1] != '\n' {
		t.Fatalf("empty-array file has length %d / bad terminator: %q", len(raw), raw)
	}
	r, err := npyio.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if r.Header.Descr.Type != "'<i8'" || !reflect.DeepEqual(r.Header.Descr.Shape, []int{0, 7}) {
		t.Fatalf("npyio reads header %v", r.Header)
	}
}

func TestNpyInt64RoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "i.npy")
	in := []int64{math.MinInt64, -1, 0, 1, math.MaxInt64, 7}
	if err := WriteNpyInt64(p, in, 2, 3); err != nil {
		t.Fatal(err)
	}
	got, shape, err := ReadNpyInt64(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) || !reflect.DeepEqual(shape, []int{2, 3}) {
		t.Fatalf("got %v %v", got, shape)
	}

	ints := []int{3, 1, 4, 1, 5}
	if err := WriteNpyInt64(p, ints); err != nil {
		t.Fatal(err)
	}
	got, shape, err = ReadNpyInt64(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []int64{3, 1, 4, 1, 5}) || !reflect.DeepEqual(shape, []int{5}) {
		t.Fatalf("got %v %v", got, shape)
	}
	raw, _ := os.ReadFile(p)
	if !bytes.Contains(raw, []byte("'<i8'")) {
		t.Fatalf("int file not '<i8': %q", raw[:80])
	}
}

func TestReadNpyInt64Widens(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]any{
		"u1": []uint8{0, 9, 255},
		"i4": []int32{-5, 0, 1 << 30},
		"i2": []int16{-300, 2, 3},
	} {
		p := filepath.Join(dir, name+".npy")
		if err := WriteFileAtomic(p, func(w io.Writer) error { return npyio.Write(w, v) }); err != nil {
			t.Fatal(err)
		}
		got, shape, err := ReadNpyInt64(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rv := reflect.ValueOf(v)
		for i := range got {
			var want int64
			if rv.Index(i).CanInt() {
				want = rv.Index(i).Int()
			} else {
				want = int64(rv.Index(i).Uint())
			}
			if got[i] != want {
				t.Fatalf("%s[%d] = %d, want %d", name, i, got[i], want)
			}
		}
		if !reflect.DeepEqual(shape, []int{3}) {
			t.Fatalf("%s shape %v", name, shape)
		}
	}
}

func TestNpyWriteShapeMismatch(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.npy")
	for _, shape := range [][]int{{2, 2}, {-1, -5}, {5, 0}} {
		err := WriteNpyFloat64(p, seq(5), shape...)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("shape %v: err = %v, want error naming %s", shape, err, p)
		}
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("failed write created %s", p)
	}
}

func TestNpyZeroD(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.npy")
	if err := WriteFileAtomic(p, func(w io.Writer) error { return npyio.Write(w, 2.5) }); err != nil {
		t.Fatal(err)
	}
	got, shape, err := ReadNpyFloat64(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != 2.5 || shape == nil || len(shape) != 0 {
		t.Fatalf("got %v shape %#v", got, shape)
	}
}

func TestNpyFortranAndBigEndian(t *testing.T) {
	dir := t.TempDir()
	// Fortran-order 2x3 [[0,1,2],[3,4,5]] stored column-major: 0,3,1,4,2,5.
	var pl []byte
	for _, v := range []float64{0, 3, 1, 4, 2, 5} {
		pl = binaryLE(pl, math.Float64bits(v))
	}
	p := filepath.Join(dir, "f.npy")
	os.WriteFile(p, craftNpy("<f8", true, "(2, 3)", pl), 0o644)
	got, shape, err := ReadNpyFloat64(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []float64{0, 1, 2, 3, 4, 5}) || !reflect.DeepEqual(shape, []int{2, 3}) {
		t.Fatalf("fortran: got %v %v", got, shape)
	}

	// 3-d Fortran: element (i,j,k) of shape (2,3,4) holds 100i+10j+k.
	var pl3 []byte
	for k := 0; k < 4; k++ {
		for j := 0; j < 3; j++ {
			for i := 0; i < 2; i++ {
				pl3 = binaryLE(pl3, math.Float64bits(float64(100*i+10*j+k)))
			}
		}
	}
	os.WriteFile(p, craftNpy("<f8", true, "(2, 3, 4)", pl3), 0o644)
	got, _, err = ReadNpyFloat64(p)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 4; k++ {
				if got[n] != float64(100*i+10*j+k) {
					t.Fatalf("fortran 3d [%d,%d,%d] = %v", i, j, k, got[n])
				}
				n++
			}
		}
	}

	// Big-endian float64.
	var be []byte
	for _, v := range []float64{1.5, -2} {
		b := math.Float64bits(v)
		for s := 56; s >= 0; s -= 8 {
			be = append(be, byte(b>>s))
		}
	}
	os.WriteFile(p, craftNpy(">f8", false, "(2,)", be), 0o644)
	got, _, err = ReadNpyFloat64(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []float64{1.5, -2}) {
		t.Fatalf("big-endian: got %v", got)
	}
}

func binaryLE(b []byte, v uint64) []byte {
	for s := 0; s < 64; s += 8 {
		b = append(b, byte(v>>s))
	}
	return b
}

func TestNpyBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npy")
	if err := WriteNpyFloat64(good, seq(6), 2, 3); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)

	var f32 bytes.Buffer
	if err := npyio.Write(&f32, []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	var i64 bytes.Buffer
	npyio.Write(&i64, []int64{1, 2})

	cases := map[string]struct {
		content []byte
		want    string
	}{
		"truncated-data":   {raw[:len(raw)-3], "truncated"},
		"truncated-header": {raw[:20], "header"},
		"magic-only":       {raw[:8], ""},
		"trailing":         {append(append([]byte{}, raw...), 1, 2, 3), "trailing"},
		"float32":          {f32.Bytes(), "<f4"},
		"int64":            {i64.Bytes(), "<i8"},
		"garbage":          {[]byte("this is not an npy file at all, just some text\n"), "not a NumPy"},
		"empty":            {nil, "not a NumPy"},
		"no-newline":       {craftBadHeader(), ""},
		"huge-shape":       {craftNpy("<f8", false, "(1000000000, 1000000000, 1000000000)", nil), "too large"},
		"big-shape":        {craftNpy("<f8", false, "(1000000, 1000)", nil), "truncated"},
		"negative-shape":   {craftNpy("<f8", false, "(-2,)", nil), "negative"},
		"bad-fortran":      {bytes.Replace(craftNpy("<f8", false, "(1,)", make([]byte, 8)), []byte("False"), []byte("Maybe"), 1), ""},
		"bad-shape":        {craftNpy("<f8", false, "(x,)", make([]byte, 8)), ""},
		"object-dtype":     {craftNpy("|O", false, "(1,)", make([]byte, 8)), "|O"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".npy")
			os.WriteFile(p, c.content, 0o644)
			_, _, err := ReadNpyFloat64(p)
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want it to name %s and mention %q", err, p, c.want)
			}
		})
	}
	if _, _, err := ReadNpyInt64(good); err == nil || !strings.Contains(err.Error(), "<f8") {
		t.Fatalf("ReadNpyInt64 of a float file: %v", err)
	}
	if _, _, err := ReadNpyFloat64(filepath.Join(dir, "missing.npy")); err == nil || !strings.Contains(err.Error(), "missing.npy") {
		t.Fatalf("missing file: %v", err)
	}
}

func craftBadHeader() []byte {
	b := craftNpy("<f8", false, "(1,)", make([]byte, 8))
	return bytes.ReplaceAll(b, []byte("\n"), []byte(" "))
}

// pythonWithNumpy returns a Python interpreter that can import numpy, or
// skips the test. It tries python3 on PATH, then the system interpreter
// (which may have Debian's python3-numpy when a PATH python does not).
func pythonWithNumpy(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	t.Skip("no python3 with numpy available")
	return ""
}

func TestNpyNumpyInterop(t *testing.T) {
	py := pythonWithNumpy(t)
	dir := t.TempDir()
	ours := filepath.Join(dir, "ours.npy")
	if err := WriteNpyFloat64(ours, []float64{1.5, -2, 3e-300, 4, 5, 6}, 2, 3); err != nil {
		t.Fatal(err)
	}
	oursEmpty := filepath.Join(dir, "empty.npy")
	if err := WriteNpyFloat64(oursEmpty, nil, 0, 4); err != nil {
		t.Fatal(err)
	}
	oursInt := filepath.Join(dir, "int.npy")
	if err := WriteNpyInt64(oursInt, []int{7, -8, 9}); err != nil {
		t.Fatal(err)
	}
	ours3 := filepath.Join(dir, "ours3.npy")
	if err := WriteNpyFloat64(ours3, seq(24), 2, 3, 4); err != nil {
		t.Fatal(err)
	}
	oursEmpty1 := filepath.Join(dir, "empty1.npy")
	if err := WriteNpyInt64(oursEmpty1, []int64{}); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(dir, "theirs.npy")
	theirs0 := filepath.Join(dir, "theirs0.npy")
	theirsF := filepath.Join(dir, "theirsF.npy")
	script := fmt.Sprintf(`
import numpy as np
a = np.load(%q)
assert a.dtype == np.float64 and a.shape == (2, 3), (a.dtype, a.shape)
assert (a == np.array([[1.5, -2, 3e-300], [4, 5, 6]])).all(), a
e = np.load(%q)
assert e.dtype == np.float64 and e.shape == (0, 4), (e.dtype, e.shape)
i = np.load(%q)
assert i.dtype == np.int64 and list(i) == [7, -8, 9], i
b = np.load(%q)
assert b.shape == (2, 3, 4) and b[1, 2, 3] == b.ravel()[23], b.shape
e1 = np.load(%q)
assert e1.dtype == np.int64 and e1.shape == (0,), (e1.dtype, e1.shape)
np.save(%q, np.arange(12, dtype=np.float64).reshape(3, 4) / 7)
np.save(%q, np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)))
np.save(%q, np.float64(2.5))
`, ours, oursEmpty, oursInt, ours3, oursEmpty1, theirs, theirsF, theirs0)
	if out, err := exec.Command(py, "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	got, shape, err := ReadNpyFloat64(theirs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shape, []int{3, 4}) {
		t.Fatalf("shape %v", shape)
	}
	for i, v := range got {
		if v != float64(i)/7 {
			t.Fatalf("[%d] = %v, want %v", i, v, float64(i)/7)
		}
	}
	got, shape, err = ReadNpyFloat64(theirsF)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []float64{0, 1, 2, 3, 4, 5}) || !reflect.DeepEqual(shape, []int{2, 3}) {
		t.Fatalf("fortran from numpy: %v %v", got, shape)
	}
	got, shape, err = ReadNpyFloat64(theirs0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != 2.5 || len(shape) != 0 {
		t.Fatalf("0-d from numpy: %v %v", got, shape)
	}
}
