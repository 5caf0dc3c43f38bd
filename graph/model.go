package graph

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
)

// ModelFormat is the value of "format" in model.json.
const ModelFormat = "minima/model/v1"

// MaxModelJSON is the largest model.json LoadModel reads, in bytes.
const MaxModelJSON = 1 << 20

// Model is a network with its parameters and provenance: what a model directory
// holds.
//
// A model directory DIR has DIR/model.json and one float64 .npy file per
// parameter array (little-endian, C order), named in model.json:
//
//	{"format": "minima/model/v1",
//	 "input_shape": [784],
//	 "layers": [{"type": "dense", "in": 784, "out": 100, "bias": true, "activation": "relu"}, …],
//	 "loss": "cross_entropy",
//	 "params": [{"name": "dense0/W", "shape": [784, 100], "file": "params/dense0_W.npy"}, …],
//	 "data": {…datasets.Source…},
//	 "train": {…hyper-parameters, seed, final metrics…}}
//
// "input_shape" is one sample's shape ([784], or [1, 28, 28] for a CNN on
// MNIST); a model.json without it (written before CNNs) starts with a dense
// layer whose "in" gives it. "layers" are the JSON forms of the layer kinds
// (Dense, Conv2D, MaxPool, Flatten). Params are listed layer by layer, each
// layer's arrays in its order (W before b), the order of the flat θ.
type Model struct {
	Spec  Spec
	Theta []float64
	Data  *datasets.Source
	Train *TrainInfo
}

// TrainInfo records how a model was trained and how it ended.
type TrainInfo struct {
	TrainSettings
	History []EpochStats `json:"history,omitempty"`
	Final   *EpochStats  `json:"final,omitempty"`
}

type paramEntry struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	File  string `json:"file"`
}

type modelJSON struct {
	Format string           `json:"format"`
	Input  Shape            `json:"input_shape"`
	Layers Layers           `json:"layers"`
	Loss   loss.Kind        `json:"loss"`
	Params []paramEntry     `json:"params"`
	Data   *datasets.Source `json:"data,omitempty"`
	Train  *TrainInfo       `json:"train,omitempty"`
}

// Save writes m to the directory dir atomically: everything is written into a
// temporary sibling directory that is renamed into place only when complete, so
// a failed or interrupted run leaves no half-written model. An existing dir is
// replaced only when overwrite is true.
func (m *Model) Save(dir string, overwrite bool) error {
	if err := m.Spec.Validate(); err != nil {
		return err
	}
	if len(m.Theta) != m.Spec.NumParams() {
		return fmt.Errorf("graph: model has %d parameter values, network needs %d", len(m.Theta), m.Spec.NumParams())
	}
	var opts []report.DirOption
	if overwrite {
		opts = append(opts, report.AllowOverwrite())
	}
	ad, err := report.NewAtomicDir(dir, opts...)
	if err != nil {
		return err
	}
	defer ad.Abort()
	mj := modelJSON{Format: ModelFormat, Input: m.Spec.Input, Layers: m.Spec.Layers, Loss: m.Spec.Loss, Data: m.Data, Train: m.Train}
	for _, p := range m.Spec.Params() {
		mj.Params = append(mj.Params, paramEntry{Name: p.Name, Shape: p.Shape, File: p.File()})
		if err := report.WriteNpyFloat64(ad.Path(p.File()), p.View(m.Theta), p.Shape...); err != nil {
			return err
		}
	}
	if err := report.WriteJSON(ad.Path("model.json"), mj); err != nil {
		return err
	}
	return ad.Commit()
}

// LoadModel reads a model directory, checking that model.json, the layers and
// the .npy files agree: every error names the file and the mismatch.
func LoadModel(dir string) (*Model, error) {
	path := filepath.Join(dir, "model.json")
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("graph: reading model: %s: no such file (there is no directory %s)", path, dir)
	}
	var mj modelJSON
	// A model directory is untrusted input: only regular files inside it are
	// read, model.json up to a size, each .npy checked against its header and
	// the expected shape before its data is read (report.ReadNpyFloat64In).
	if err := report.ReadJSONIn(dir, "model.json", MaxModelJSON, &mj); err != nil {
		return nil, fmt.Errorf("graph: reading model: %w", err)
	}
	if mj.Format != ModelFormat {
		return nil, fmt.Errorf("graph: %s: format %q, want %q", path, mj.Format, ModelFormat)
	}
	s := Spec{Input: mj.Input, Layers: mj.Layers, Loss: mj.Loss}
	if s.Input == nil && len(s.Layers) > 0 { // written before input_shape existed
		if d, ok := s.Layers[0].(*Dense); ok {
			s.Input = Shape{d.In}
		}
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if mj.Data != nil {
		if err := mj.Data.Validate(); err != nil { // untrusted: bounded before any sample is made
			return nil, fmt.Errorf("graph: %s: %w", path, err)
		}
	}
	want := s.Params()
	if len(mj.Params) != len(want) {
		return nil, fmt.Errorf("graph: %s: lists %d parameter arrays, the layers need %d", path, len(mj.Params), len(want))
	}
	theta := make([]float64, s.NumParams())
	for i, p := range want {
		e := mj.Params[i]
		if e.Name != p.Name || !slices.Equal(e.Shape, p.Shape) {
			return nil, fmt.Errorf("graph: %s: params[%d] is %s %v, the layers need %s %v", path, i, e.Name, e.Shape, p.Name, p.Shape)
		}
		if e.File == "" || filepath.IsAbs(e.File) || !filepath.IsLocal(e.File) {
			return nil, fmt.Errorf("graph: %s: params[%d] file %q must be a relative path inside the model directory", path, i, e.File)
		}
		data, err := report.ReadNpyFloat64In(dir, e.File, p.Shape)
		if err != nil {
			return nil, fmt.Errorf("graph: loading %s: %w", p.Name, err)
		}
		copy(p.View(theta), data)
	}
	if !allFinite(theta) {
		return nil, fmt.Errorf("graph: %s: parameters contain NaN or Inf", dir)
	}
	return &Model{Spec: s, Theta: theta, Data: mj.Data, Train: mj.Train}, nil
}
