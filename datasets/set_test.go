package datasets

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func tinySet() *Set {
	return &Set{
		X:       []float64{0, 1, 10, 11, 20, 21, 30, 31},
		Y:       []int{0, 1, 2, 1},
		N:       4,
		D:       2,
		Classes: 3,
	}
}

func TestSetValidate(t *testing.T) {
	if err := tinySet().Validate(); err != nil {
		t.Fatalf("valid set: %v", err)
	}
	if err := (&Set{D: 3, Classes: 2}).Validate(); err != nil {
		t.Errorf("empty set: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(s *Set)
		phrase string
	}{
		{"negative-N", func(s *Set) { s.N = -1 }, "negative sample count"},
		{"zero-D", func(s *Set) { s.D = 0 }, "D=0"},
		{"zero-classes", func(s *Set) { s.Classes = 0 }, "Classes=0"},
		{"short-X", func(s *Set) { s.X = s.X[:7] }, "len(X)=7, want N*D=4*2=8"},
		{"long-Y", func(s *Set) { s.Y = append(s.Y, 0) }, "len(Y)=5, want N=4"},
		{"label-high", func(s *Set) { s.Y[2] = 3 }, "Y[2]=3 out of range [0,3)"},
		{"label-negative", func(s *Set) { s.Y[0] = -1 }, "Y[0]=-1 out of range"},
		{"nan", func(s *Set) { s.X[5] = math.NaN() }, "X[5] (sample 2, feature 1) is NaN"},
		{"inf", func(s *Set) { s.X[0] = math.Inf(-1) }, "X[0] (sample 0, feature 0) is -Inf"},
	}
	for _, tc := range cases {
		s := tinySet()
		tc.mutate(s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.phrase) {
			t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.phrase)
		}
	}
	var nilSet *Set
	if nilSet.Validate() == nil {
		t.Error("nil set validated")
	}
}

func TestSetRowsSharesMemory(t *testing.T) {
	s := tinySet()
	v := s.Rows(1, 3)
	want := &Set{X: []float64{10, 11, 20, 21}, Y: []int{1, 2}, N: 2, D: 2, Classes: 3, Index: []int{1, 2}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("Rows(1,3) = %+v, want %+v", v, want)
	}
	v.X[0] = -5
	v.Y[1] = 0
	if s.X[2] != -5 || s.Y[2] != 0 {
		t.Error("Rows view does not share memory with the set")
	}
	// Appending to the view must not overwrite the next sample.
	v.X = append(v.X, 99)
	v.Y = append(v.Y, 2)
	if s.X[6] != 30 || s.Y[3] != 1 {
		t.Error("appending to a Rows view overwrote samples beyond it")
	}
	if e := s.Rows(4, 4); e.N != 0 || len(e.X) != 0 || e.Validate() != nil {
		t.Errorf("empty view: %+v", e)
	}
	if got := s.Row(3); !reflect.DeepEqual(got, []float64{30, 31}) {
		t.Errorf("Row(3) = %v", got)
	}
	if r := append(s.Row(0), 77); s.X[2] == 77 || r[2] != 77 {
		t.Error("appending to a Row overwrote the next sample")
	}
	mustPanic(t, "Rows(3,2)", func() { s.Rows(3, 2) })
	mustPanic(t, "Rows(0,5)", func() { s.Rows(0, 5) })
	mustPanic(t, "Row(4)", func() { s.Row(4) })
}

func TestSetSubsetCopies(t *testing.T) {
	s := tinySet()
	sub := s.Subset([]int{3, 0, 3})
	want := &Set{X: []float64{30, 31, 0, 1, 30, 31}, Y: []int{1, 0, 1}, N: 3, D: 2, Classes: 3, Index: []int{3, 0, 3}}
	if !reflect.DeepEqual(sub, want) {
		t.Fatalf("Subset = %+v, want %+v", sub, want)
	}
	sub.X[0], sub.Y[0] = -1, 2
	if s.X[6] != 30 || s.Y[3] != 1 {
		t.Error("Subset shares memory with the set")
	}
	c := s.Clone()
	c.X[0], c.Y[0] = 7, 2
	if s.X[0] != 0 || s.Y[0] != 0 || c.N != s.N || c.D != s.D || c.Classes != s.Classes {
		t.Error("Clone is not an independent deep copy")
	}
	mustPanic(t, "Subset([4])", func() { s.Subset([]int{4}) })
}

func TestSetIndexComposes(t *testing.T) {
	s := tinySet()
	sub := s.Subset([]int{3, 1, 2}) // origins 3, 1, 2
	if got := sub.Subset([]int{2, 0}).Index; !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("Subset of a Subset: Index %v, want [2 3]", got)
	}
	if got := sub.Rows(1, 3).Index; !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("Rows(1,3) of a Subset: Index %v, want [1 2]", got)
	}
	c := sub.Clone()
	c.Index[0] = 9
	if sub.Index[0] != 3 {
		t.Error("Clone shares Index with the set")
	}
	if s.Clone().Index != nil {
		t.Error("Clone of a set without Index gained one")
	}
}

func TestSetValidateIndex(t *testing.T) {
	s := tinySet()
	s.Index = []int{0, 1}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "len(Index)=2, want N=4") {
		t.Errorf("short Index: got %v", err)
	}
	s.Index = []int{0, 1, -2, 3}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "Index[2]=-2") {
		t.Errorf("negative Index: got %v", err)
	}
}

func TestClassCountsAndOneHot(t *testing.T) {
	s := tinySet()
	if got := s.ClassCounts(); !reflect.DeepEqual(got, []int{1, 2, 1}) {
		t.Errorf("ClassCounts = %v", got)
	}
	got := OneHot([]int{2, 0, 1}, 3)
	want := []float64{0, 0, 1, 1, 0, 0, 0, 1, 0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OneHot = %v, want %v", got, want)
	}
	mustPanic(t, "OneHot label 3", func() { OneHot([]int{3}, 3) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestNoiseDeterministic(t *testing.T) {
	a, b, c := Noise(50, 3, 4, 1), Noise(50, 3, 4, 1), Noise(50, 3, 4, 2)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) || slices.Equal(a.X, c.X) {
		t.Fatal("Noise is not determined by its seed")
	}
}
