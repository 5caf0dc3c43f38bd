package datasets

import "fmt"

// Source kinds.
const (
	KindMNIST    = "mnist"
	KindClusters = "clusters"
)

// Source says where a model's samples came from, with enough detail to
// regenerate exactly the same training and test sets. It is stored as the
// "data" object of model.json.
type Source struct {
	Kind string `json:"kind"` // KindMNIST or KindClusters

	// MNIST: stratified subsets of the training and test sets drawn with Seed
	// (0 means the whole set).
	Subset     int   `json:"subset,omitempty"`
	TestSubset int   `json:"test_subset,omitempty"`
	Seed       int64 `json:"seed"`

	// Clusters: the generator's configuration.
	Clusters *ClusterConfig `json:"clusters,omitempty"`
}

// Load regenerates the training and test sets. MNIST is looked up with
// FindMNIST(dataDir).
func (s Source) Load(dataDir string) (train, test *Set, err error) {
	switch s.Kind {
	case KindMNIST:
		dir, err := FindMNIST(dataDir)
		if err != nil {
			return nil, nil, err
		}
		if train, test, err = LoadMNIST(dir); err != nil {
			return nil, nil, err
		}
		if s.Subset > 0 {
			if train, _, err = StratifiedSubset(train, s.Subset, s.Seed); err != nil {
				return nil, nil, fmt.Errorf("datasets: training subset: %w", err)
			}
		}
		if s.TestSubset > 0 {
			if test, _, err = StratifiedSubset(test, s.TestSubset, s.Seed+1); err != nil {
				return nil, nil, fmt.Errorf("datasets: test subset: %w", err)
			}
		}
		return train, test, nil
	case KindClusters:
		if s.Clusters == nil {
			return nil, nil, fmt.Errorf("datasets: clusters source without a configuration")
		}
		return Clusters(*s.Clusters)
	default:
		return nil, nil, fmt.Errorf("datasets: unknown data kind %q (want %s or %s)", s.Kind, KindMNIST, KindClusters)
	}
}

// Splits.
const (
	SplitTrain = "train"
	SplitTest  = "test"
)

// Samples returns n samples of the given split ("train" or "test") of the
// source: the whole split when n is 0, else a stratified subset of n drawn with
// seed. The training split is the model's own training set.
func (s Source) Samples(dataDir, split string, n int, seed int64) (*Set, error) {
	if n < 0 {
		return nil, fmt.Errorf("datasets: number of samples must be ≥ 0, got %d", n)
	}
	train, test, err := s.Load(dataDir)
	if err != nil {
		return nil, err
	}
	var set *Set
	switch split {
	case SplitTrain:
		set = train
	case SplitTest:
		set = test
	default:
		return nil, fmt.Errorf("datasets: unknown split %q (want %s or %s)", split, SplitTrain, SplitTest)
	}
	if n == 0 || n == set.N {
		return set, nil
	}
	if n > set.N {
		return nil, fmt.Errorf("datasets: %d samples asked, the %s split has %d", n, split, set.N)
	}
	sub, _, err := StratifiedSubset(set, n, seed)
	return sub, err
}
