package graph

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
)

func testModel() *Model {
	s := MLP(4, []int{5}, 3, true, loss.CrossEntropy)
	return &Model{Spec: s, Theta: randomVec(s.NumParams(), 1, 3),
		Data: &datasets.Source{Kind: datasets.KindMNIST, Subset: 100, Seed: 2}}
}

func TestModelRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	m := testModel()
	if err := m.Save(dir, false); err != nil {
		t.Fatal(err)
	}
	got, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Theta, m.Theta) || !reflect.DeepEqual(got.Spec, m.Spec) || got.Spec.Loss != m.Spec.Loss || *got.Data != *m.Data {
		t.Fatal("model changed in a round trip")
	}
	// The files are what the format promises: W shaped (in, out), b (out).
	w, shape, err := report.ReadNpyFloat64(filepath.Join(dir, "params/dense0_W.npy"))
	if err != nil || !slices.Equal(shape, []int{4, 5}) || !slices.Equal(w, m.Theta[:20]) {
		t.Fatalf("dense0_W.npy: shape %v err %v", shape, err)
	}
	if err := m.Save(dir, false); err == nil {
		t.Fatal("saving over an existing model without overwrite should fail")
	}
	if err := m.Save(dir, true); err != nil {
		t.Fatal(err)
	}
}

func TestModelLoadMismatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(dir string)
		want   string
	}{
		{"missing npy", func(d string) { os.Remove(filepath.Join(d, "params/dense1_b.npy")) }, "dense1_b.npy"},
		{"wrong npy shape", func(d string) {
			report.WriteNpyFloat64(filepath.Join(d, "params/dense0_W.npy"), make([]float64, 20), 5, 4)
		}, "shape [5 4]"},
		{"truncated npy", func(d string) {
			p := filepath.Join(d, "params/dense0_W.npy")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-7], 0o644)
		}, "dense0_W.npy"},
		{"layers disagree with params", func(d string) {
			p := filepath.Join(d, "model.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), `"out": 5`, `"out": 6`, 1)), 0o644)
		}, "model.json"},
		{"bad format", func(d string) {
			p := filepath.Join(d, "model.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), ModelFormat, "other/v9", 1)), 0o644)
		}, "format"},
		{"no model.json", func(d string) { os.Remove(filepath.Join(d, "model.json")) }, "model.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			if err := testModel().Save(dir, false); err != nil {
				t.Fatal(err)
			}
			tc.mutate(dir)
			_, err := LoadModel(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error mentioning %q, got %v", tc.want, err)
			}
		})
	}
}
