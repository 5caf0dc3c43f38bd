package graph

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/minima-project/minima/datasets"
)

// TrainSettings are the hyper-parameters of minibatch SGD.
type TrainSettings struct {
	BatchSize int `json:"batch_size"`
	Epochs    int `json:"epochs"`
	// Steps > 0 trains that many minibatch steps instead of Epochs epochs
	// (Epochs must then be 0): epochs follow one another as usual, the last
	// one cut short after the last step and its statistics recorded there.
	Steps    int     `json:"steps,omitempty"`
	LR       float64 `json:"lr"`
	Momentum float64 `json:"momentum"` // 0: plain SGD
	Init     string  `json:"init"`     // He or Glorot
	Seed     int64   `json:"seed"`     // initialisation and minibatch order

	// Progress, if set, is called after every step (not serialised).
	Progress func(TrainStatus) `json:"-"`
}

// TrainStatus describes training progress after a step.
type TrainStatus struct {
	Epoch, Step, StepsPerEpoch int
	Loss                       float64 // minibatch loss
}

// EpochStats are the metrics at the end of an epoch, on the whole sets.
type EpochStats struct {
	Epoch     int      `json:"epoch"`
	TrainLoss float64  `json:"train_loss"`
	TrainAcc  float64  `json:"train_accuracy"`
	TestLoss  *float64 `json:"test_loss,omitempty"` // nil without a test set
	TestAcc   *float64 `json:"test_accuracy,omitempty"`
}

// TrainResult is the trained parameters and per-epoch metrics.
type TrainResult struct {
	Theta   []float64
	History []EpochStats
}

// orderSeedOffset derives the seed of the minibatch order from the training
// seed (initialisation uses the seed itself), so both streams are distinct.
const orderSeedOffset = 1

// Validate checks the settings.
func (ts TrainSettings) Validate() error {
	switch {
	case ts.BatchSize <= 0:
		return fmt.Errorf("graph: batch size must be positive, got %d", ts.BatchSize)
	case ts.Epochs < 0:
		return fmt.Errorf("graph: epochs must be ≥ 0, got %d", ts.Epochs)
	case ts.Steps < 0:
		return fmt.Errorf("graph: steps must be ≥ 0, got %d", ts.Steps)
	case ts.Steps > 0 && ts.Epochs > 0:
		return fmt.Errorf("graph: give epochs (%d) or steps (%d), not both", ts.Epochs, ts.Steps)
	case !(ts.LR > 0) || math.IsInf(ts.LR, 0):
		return fmt.Errorf("graph: learning rate must be positive and finite, got %v", ts.LR)
	case !(ts.Momentum >= 0 && ts.Momentum < 1):
		return fmt.Errorf("graph: momentum must be in [0, 1), got %v", ts.Momentum)
	case ts.Init != He && ts.Init != Glorot:
		return fmt.Errorf("graph: unknown initialisation %q (want %s or %s)", ts.Init, He, Glorot)
	}
	return nil
}

// Train fits s to train by minibatch SGD with optional (heavy-ball) momentum:
// u ← μu + ∇L_B(θ); θ ← θ − ηu, where L_B is the mean loss over a minibatch.
// Each epoch visits the samples in a fresh order drawn from the seed; the last
// minibatch of an epoch may be smaller; with ts.Steps the last epoch stops
// after the last step. After each epoch the loss and accuracy on
// the whole training set and, if test is non-nil, on test are recorded.
//
// The same settings, data and seed give the same θ bit for bit. A NaN or Inf
// minibatch loss or parameter stops training with an error naming the epoch
// and step.
func Train(s Spec, train, test *datasets.Set, ts TrainSettings) (*TrainResult, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := ts.Validate(); err != nil {
		return nil, err
	}
	theta, err := Init(s, ts.Init, ts.Seed)
	if err != nil {
		return nil, err
	}
	if train == nil || train.N == 0 {
		return nil, fmt.Errorf("graph: empty training set")
	}
	if train.D != s.Inputs() {
		return nil, fmt.Errorf("graph: samples have %d features, network expects %d", train.D, s.Inputs())
	}
	batch := min(ts.BatchSize, train.N)
	m, err := newMachine(s, batch, kindGradient)
	if err != nil {
		return nil, err
	}
	defer m.close()
	evalTrain, err := NewObjective(s, train, 0)
	if err != nil {
		return nil, err
	}
	defer evalTrain.Close()
	var evalTest *Objective
	if test != nil && test.N > 0 {
		if evalTest, err = NewObjective(s, test, 0); err != nil {
			return nil, err
		}
		defer evalTest.Close()
	}

	c, err := newChunk(nil, nil, train.D, s.Outputs(), batch, 0)
	if err != nil {
		return nil, err
	}
	// The order generator is separate from the initialisation one, so changing
	// the init scheme does not change the minibatch order.
	order := rand.New(rand.NewSource(ts.Seed + orderSeedOffset))
	perm := make([]int, train.N)
	for i := range perm {
		perm[i] = i
	}
	xb := make([]float64, batch*train.D)
	yb := make([]int, batch)
	grad := make([]float64, len(theta))
	u := make([]float64, len(theta))
	steps := (train.N + batch - 1) / batch
	res := &TrainResult{}
	epochs, left := ts.Epochs, -1 // left: steps still to take with ts.Steps, else −1
	if ts.Steps > 0 {
		epochs, left = (ts.Steps+steps-1)/steps, ts.Steps
	}
	for epoch := 1; epoch <= epochs; epoch++ {
		order.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for step := 0; step < steps && left != 0; step, left = step+1, left-1 {
			idx := perm[step*batch : min((step+1)*batch, train.N)]
			for i, k := range idx {
				copy(xb[i*train.D:(i+1)*train.D], train.X[k*train.D:(k+1)*train.D])
				yb[i] = train.Y[k]
			}
			c.fill(xb[:len(idx)*train.D], yb[:len(idx)], s.Outputs(), 1/float64(len(idx)))
			if err := m.setParams(theta); err != nil {
				return nil, err
			}
			if err := m.run(c); err != nil {
				return nil, fmt.Errorf("graph: training epoch %d step %d: %w", epoch, step+1, err)
			}
			loss := m.lossValue()
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("graph: training diverged: loss is %v at epoch %d, step %d (lower the learning rate)", loss, epoch, step+1)
			}
			clear(grad)
			m.addFlat(grad, m.grads)
			for i := range theta {
				u[i] = ts.Momentum*u[i] + grad[i]
				theta[i] -= ts.LR * u[i]
			}
			if !allFinite(theta) {
				return nil, fmt.Errorf("graph: training diverged: parameters became NaN or Inf at epoch %d, step %d (lower the learning rate)", epoch, step+1)
			}
			if ts.Progress != nil {
				ts.Progress(TrainStatus{Epoch: epoch, Step: step + 1, StepsPerEpoch: steps, Loss: loss})
			}
		}
		st := EpochStats{Epoch: epoch}
		if st.TrainLoss, st.TrainAcc, err = evalTrain.Evaluate(theta); err != nil {
			return nil, err
		}
		if math.IsNaN(st.TrainLoss) || math.IsInf(st.TrainLoss, 0) {
			return nil, fmt.Errorf("graph: training diverged: training loss is %v after epoch %d", st.TrainLoss, epoch)
		}
		if evalTest != nil {
			l, a, err := evalTest.Evaluate(theta)
			if err != nil {
				return nil, err
			}
			st.TestLoss, st.TestAcc = &l, &a
		}
		res.History = append(res.History, st)
	}
	res.Theta = theta
	return res, nil
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
