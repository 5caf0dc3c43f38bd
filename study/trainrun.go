package study

import (
	"fmt"
	"strconv"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
)

// NetSettings is a ReLU MLP's hidden widths, biases and loss; the input and
// output sizes come from the data.
type NetSettings struct {
	Hidden []int     `json:"hidden"`
	Bias   bool      `json:"bias"`
	Loss   loss.Kind `json:"loss"`
}

// Spec is the MLP for data of d features and k classes.
func (n NetSettings) Spec(d, k int) graph.Spec { return graph.MLP(d, n.Hidden, k, n.Bias, n.Loss) }

func (n NetSettings) build(d, k int) (graph.Spec, error) { return n.Spec(d, k), nil }

// Architectures of ArchSettings.Arch.
const (
	ArchMLP = "mlp"
	ArchCNN = "cnn"
)

// ArchSettings is a network that is a ReLU MLP or a CNN, with its biases and
// loss; the input size and the classes come from the data. It is plain data,
// so a sweep's settings (and their fingerprint) hold it.
type ArchSettings struct {
	Arch string `json:"arch"` // ArchMLP or ArchCNN
	// Hidden are the MLP's hidden widths (ArchMLP).
	Hidden []int `json:"hidden,omitempty"`
	// CNN are the convolutional network's layers (ArchCNN); its Classes and
	// NoBias are taken from the data and Bias.
	CNN  *graph.CNNSettings `json:"cnn,omitempty"`
	Bias bool               `json:"bias"`
	Loss loss.Kind          `json:"loss"`
}

// Spec is the network for data of d features and k classes.
func (a ArchSettings) Spec(d, k int) (graph.Spec, error) {
	switch a.Arch {
	case ArchMLP:
		s := graph.MLP(d, a.Hidden, k, a.Bias, a.Loss)
		return s, s.Validate()
	case ArchCNN:
		if a.CNN == nil {
			return graph.Spec{}, fmt.Errorf("study: arch cnn without CNN settings")
		}
		cs := *a.CNN
		cs.Classes, cs.NoBias = k, !a.Bias
		s, err := graph.CNN(cs, a.Loss)
		if err != nil {
			return graph.Spec{}, err
		}
		if s.Inputs() != d {
			return graph.Spec{}, fmt.Errorf("study: the CNN reads images of %v (%d values), the data has %d features: use MNIST", s.Input, s.Inputs(), d)
		}
		return s, nil
	default:
		return graph.Spec{}, fmt.Errorf("study: unknown architecture %q (want %s or %s)", a.Arch, ArchMLP, ArchCNN)
	}
}

func (a ArchSettings) build(d, k int) (graph.Spec, error) { return a.Spec(d, k) }

// describe writes the network in one line: "784-100-10 ReLU MLP
// (cross_entropy)" or the CNN's layers.
func (a ArchSettings) describe(d, k int) string {
	if a.Arch == ArchMLP {
		return describeNet(NetSettings{Hidden: a.Hidden, Bias: a.Bias, Loss: a.Loss}, d, strconv.Itoa(k))
	}
	s, err := a.Spec(d, k)
	if err != nil {
		return a.Arch + " (" + err.Error() + ")"
	}
	return "CNN " + s.String()
}

// netBuilder is a network description that builds the spec for data of d
// features and k classes.
type netBuilder interface {
	build(d, k int) (graph.Spec, error)
}

// trainModel loads src, trains the network net describes on its training
// set with ts (evaluating on the test set) and returns the model and both
// sets.
func trainModel(src datasets.Source, net netBuilder, ts graph.TrainSettings, env Env) (m *graph.Model, train, test *datasets.Set, err error) {
	train, test, err = src.Load(env.DataDir)
	if err != nil {
		return nil, nil, nil, err
	}
	spec, err := net.build(train.D, train.Classes)
	if err != nil {
		return nil, nil, nil, err
	}
	done := 0
	ts.Progress = func(st graph.TrainStatus) {
		done++
		switch {
		case ts.Steps > 0 && (done%st.StepsPerEpoch == 0 || done == ts.Steps):
			env.say("train: step %d/%d, minibatch loss %.4g", done, ts.Steps, st.Loss)
		case ts.Steps == 0 && st.Step == st.StepsPerEpoch:
			env.say("train: epoch %d/%d, minibatch loss %.4g", st.Epoch, ts.Epochs, st.Loss)
		}
	}
	res, err := graph.Train(spec, train, test, ts)
	if err != nil {
		return nil, nil, nil, err
	}
	info := &graph.TrainInfo{TrainSettings: ts, History: res.History}
	if len(res.History) > 0 {
		info.Final = &res.History[len(res.History)-1]
	}
	return &graph.Model{Spec: spec, Theta: res.Theta, Data: &src, Train: info}, train, test, nil
}
