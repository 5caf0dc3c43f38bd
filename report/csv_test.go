package report

import (
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWriteCSVRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.csv")
	floats := []float64{0.1, 1.0 / 3, 1e-300, -2.5e300, 5e-324, math.MaxFloat64, 0, math.Copysign(0, -1), 123456789.123456789}
	tab := &Table{Columns: []string{"i", "x", "name"}}
	for i, f := range floats {
		tab.AddRow(i, f, "row, \"quoted\"")
	}
	tab.AddRow(int64(-7), math.NaN(), nil)
	tab.AddRow(uint8(3), math.Inf(1), true)
	tab.AddRow(float32(0.1), math.Inf(-1), time.Second)
	tab.AddRow(int32(1), Float(math.NaN()), "multi\nline")
	if err := WriteCSV(p, tab); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "i,x,name" || len(recs) != len(tab.Rows)+1 {
		t.Fatalf("records %v", recs)
	}
	for i, want := range floats {
		got, err := strconv.ParseFloat(recs[i+1][1], 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("row %d: %q parses to %v (%v), want %v", i, recs[i+1][1], got, err, want)
		}
		if recs[i+1][2] != "row, \"quoted\"" {
			t.Fatalf("string cell %q", recs[i+1][2])
		}
	}
	n := len(floats) + 1
	want := [][]string{
		{"-7", "NaN", ""},
		{"3", "inf", "true"},
		{"0.1", "-inf", "1s"},
		{"1", "NaN", "multi\nline"},
	}
	for k, w := range want {
		if strings.Join(recs[n+k], "|") != strings.Join(w, "|") {
			t.Fatalf("row %d = %q, want %q", n+k-1, recs[n+k], w)
		}
	}
	for _, s := range []string{"inf", "-inf", "NaN"} {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			t.Fatalf("Go cannot parse %q", s)
		}
	}
}

func TestWriteCSVErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.csv")
	err := WriteCSV(p, &Table{Columns: []string{"a", "b"}, Rows: [][]any{{1, 2}, {3}}})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "row 1") {
		t.Fatalf("short row: %v", err)
	}
	err = WriteCSV(p, &Table{Columns: []string{"a"}, Rows: [][]any{{struct{}{}}}})
	if err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("bad type: %v", err)
	}
	if err := WriteCSV(p, nil); err == nil {
		t.Fatal("nil table")
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("failed WriteCSV created the file")
	}
}

func sampleTable() *Table {
	return &Table{
		Columns: []string{"measure", "α=1", "α=10", "note"},
		Rows: [][]any{
			{"λmax", 12.345678901, 1234.5, "a|b"},
			{"trace", 1e-7, math.NaN(), nil},
			{"count", 3, 42, "x"},
		},
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown(sampleTable(), "%.3g")
	lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("markdown:\n%s", got)
	}
	if !strings.HasPrefix(lines[1], "| ------- |") || !strings.Contains(lines[1], ": |") {
		t.Fatalf("alignment row %q", lines[1])
	}
	if !strings.Contains(lines[2], `a\|b`) || !strings.Contains(lines[2], "12.3") || !strings.Contains(lines[2], "1.23e+03") {
		t.Fatalf("row %q", lines[2])
	}
	if !strings.Contains(lines[3], "NaN") {
		t.Fatalf("NaN row %q", lines[3])
	}
	// Every line has the same number of unescaped pipes.
	for _, l := range lines {
		if c := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); c != 5 {
			t.Fatalf("line %q has %d pipes", l, c)
		}
	}
	if Markdown(&Table{}, "") != "" || Markdown(nil, "") != "" {
		t.Fatal("empty table")
	}
	// Ragged rows do not break rendering.
	md := Markdown(&Table{Columns: []string{"a"}, Rows: [][]any{{1, 2}, {}}}, "")
	if strings.Count(md, "\n") != 4 {
		t.Fatalf("ragged:\n%s", md)
	}
}

func TestText(t *testing.T) {
	got := Text(sampleTable())
	want := "" +
		"measure      α=1    α=10  note\n" +
		"-------  -------  ------  ----\n" +
		"λmax     12.3457  1234.5  a|b\n" +
		"trace      1e-07     NaN\n" +
		"count          3      42  x\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCSVPythonInterop(t *testing.T) {
	py := pythonWithNumpy(t)
	p := filepath.Join(t.TempDir(), "t.csv")
	vals := []float64{0.1, 1.0 / 3, 1e-300, -2.5e300, 5e-324, 1e21, 1e-5, 123456789.123456789, math.NaN(), math.Inf(1), math.Inf(-1)}
	tab := &Table{Columns: []string{"x"}}
	for _, v := range vals {
		tab.AddRow(v)
	}
	if err := WriteCSV(p, tab); err != nil {
		t.Fatal(err)
	}
	script := `import csv, sys, numpy as np
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ["x"], rows[0]
a = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1)
for r, v in zip(rows[1:], a):
    f = float(r[0])
    assert (f == v) or (f != f and v != v), (r, v)
    print(f.hex())
`
	out, err := exec.Command(py, "-c", script, p).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(vals) {
		t.Fatalf("python printed %q", out)
	}
	for i, s := range lines {
		got, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		if !(got == vals[i] || math.IsNaN(got) && math.IsNaN(vals[i])) {
			t.Fatalf("[%d] python read %v, wrote %v", i, got, vals[i])
		}
	}
}
