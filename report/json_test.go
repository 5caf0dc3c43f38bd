package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type jsonDoc struct {
	Name     string    `json:"name"`
	Alpha    float64   `json:"alpha"`
	Trace    Float     `json:"trace"`
	Eigs     []Float   `json:"eigs"`
	Note     string    `json:"note,omitempty"`
	Measures []measure `json:"measures,omitempty"`
}

type measure struct {
	Key   string  `json:"key"`
	Value float64 `json:"value"`
}

func TestJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.json")
	in := jsonDoc{Name: "a<b>", Alpha: 0.1, Trace: Float(math.NaN()), Eigs: []Float{1.5, Float(math.Inf(1)), Float(math.Inf(-1)), -2}}
	if err := WriteJSON(p, in); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	s := string(raw)
	if !strings.HasSuffix(s, "}\n") || !strings.Contains(s, "\n  \"name\": \"a<b>\"") {
		t.Fatalf("format:\n%s", s)
	}
	if !strings.Contains(s, `"trace": null`) || !strings.Contains(s, "null,\n    null,") {
		t.Fatalf("non-finite not null:\n%s", s)
	}
	var out jsonDoc
	if err := ReadJSONStrict(p, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != in.Name || out.Alpha != in.Alpha || !math.IsNaN(float64(out.Trace)) ||
		len(out.Eigs) != 4 || out.Eigs[0] != 1.5 || !math.IsNaN(float64(out.Eigs[1])) || out.Eigs[3] != -2 {
		t.Fatalf("round trip: %+v", out)
	}
	// Float encodes finite values exactly like float64.
	for _, v := range []float64{0.1, 1e300, -3, 5e-324} {
		a, _ := json.Marshal(v)
		b, _ := json.Marshal(Float(v))
		if string(a) != string(b) {
			t.Fatalf("Float(%v) = %s, float64 = %s", v, b, a)
		}
	}
}

func TestWriteJSONNaN(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.json")
	os.WriteFile(p, []byte("{}\n"), 0o644)
	v := jsonDoc{Measures: []measure{{"a", 1}, {"b", math.Inf(1)}}}
	err := WriteJSON(p, v)
	if err == nil {
		t.Fatal("no error for Inf")
	}
	for _, want := range []string{p, "$.measures[1].value", "Float"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q lacks %q", err, want)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "{}\n" {
		t.Fatalf("target modified: %q", b)
	}
	err = WriteJSON(p, map[string]any{"x": []float64{1, math.NaN()}})
	if err == nil || !strings.Contains(err.Error(), `$["x"][1]`) {
		t.Fatalf("map error: %v", err)
	}
	if err := WriteJSON(p, make(chan int)); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("chan error: %v", err)
	}
}

func TestReadJSONErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	var d jsonDoc
	cases := []struct {
		path   string
		strict bool
		want   string
	}{
		{write("syntax.json", "{\n  \"name\": \"x\",\n  \"alpha\": ,\n}"), false, ":3:"},
		{write("type.json", "{\"alpha\": \"one\"}"), false, "alpha"},
		{write("unknown.json", "{\"nmae\": \"x\"}"), true, "nmae"},
		{write("trailing.json", "{} {}"), false, "trailing"},
		{write("truncated.json", "{\"name\": "), false, "unexpected EOF"},
		{write("empty.json", ""), false, "EOF"},
		{filepath.Join(dir, "missing.json"), false, "missing.json"},
	}
	for _, c := range cases {
		var err error
		if c.strict {
			err = ReadJSONStrict(c.path, &d)
		} else {
			err = ReadJSON(c.path, &d)
		}
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v; want it to name the file and mention %q", filepath.Base(c.path), err, c.want)
		}
	}
	// Unknown fields are fine for the lenient reader.
	if err := ReadJSON(filepath.Join(dir, "unknown.json"), &d); err != nil {
		t.Fatal(err)
	}
}
