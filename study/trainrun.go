package study

import (
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

// trainModel loads src, trains the MLP net on its training set with ts
// (evaluating on the test set) and returns the model and both sets.
func trainModel(src datasets.Source, net NetSettings, ts graph.TrainSettings, env Env) (m *graph.Model, train, test *datasets.Set, err error) {
	train, test, err = src.Load(env.DataDir)
	if err != nil {
		return nil, nil, nil, err
	}
	spec := net.Spec(train.D, train.Classes)
	ts.Progress = func(st graph.TrainStatus) {
		if st.Step == st.StepsPerEpoch {
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
