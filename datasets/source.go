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

	// Fingerprint, when set, is Fingerprint of the training split the model
	// was trained on; Load and Samples refuse data whose training split
	// differs from it. Set it with Pin after training.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// testSubsetSeedOffset derives the seed of the test subset from the source's
// seed (the training subset uses the seed itself), so the two selections are
// drawn independently.
const testSubsetSeedOffset = 1

// Validate reports the first invalid field of s as a *FieldError naming it
// as in model.json ("data.subset"), before anything is read or allocated: an
// unknown kind, a field of the other kind, a size out of bounds (MNIST
// subsets within the original splits, ClusterConfig.Validate for clusters),
// data that would not fit in half the available memory, a malformed
// fingerprint. Load and Samples call it first.
func (s Source) Validate() error {
	if s.Fingerprint != "" && !validFingerprint(s.Fingerprint) {
		return fieldErrorf("data.fingerprint", "= %q, want 64 lowercase hexadecimal digits (a SHA-256)", s.Fingerprint)
	}
	switch s.Kind {
	case KindMNIST:
		switch {
		case s.Clusters != nil:
			return fieldErrorf("data.clusters", "does not apply to data.kind %q", s.Kind)
		case s.Subset < 0 || s.Subset > MNISTTrainSize:
			return fieldErrorf("data.subset", "= %d, want 0 (the whole split) to %d", s.Subset, MNISTTrainSize)
		case s.TestSubset < 0 || s.TestSubset > MNISTTestSize:
			return fieldErrorf("data.test_subset", "= %d, want 0 (the whole split) to %d", s.TestSubset, MNISTTestSize)
		}
		train, test := s.Subset, s.TestSubset
		if train == 0 {
			train = MNISTTrainSize
		}
		if test == 0 {
			test = MNISTTestSize
		}
		// Each selected sample as float64 features, label and index; the
		// compressed images decoded once as bytes when there is no cache.
		const sample = 8*MNISTDim + 16
		const bytes = (MNISTTrainSize + MNISTTestSize) * MNISTDim
		need := bytes + float64(train+test)*sample
		if fitMemory("", 0, bytes+float64(test+1)*sample, 0, 1) != nil {
			// Not even one training sample fits beside the test split.
			return fitMemory("data.test_subset", s.TestSubset, need, bytes+float64(train)*sample, sample)
		}
		return fitMemory("data.subset", s.Subset, need, bytes+float64(test)*sample, sample)
	case KindClusters:
		switch {
		case s.Clusters == nil:
			return fieldErrorf("data.clusters", "is missing: data.kind %q needs the generator's configuration", s.Kind)
		case s.Subset != 0:
			return fieldErrorf("data.subset", "= %d does not apply to data.kind %q", s.Subset, s.Kind)
		case s.TestSubset != 0:
			return fieldErrorf("data.test_subset", "= %d does not apply to data.kind %q", s.TestSubset, s.Kind)
		}
		return s.Clusters.Validate()
	default:
		return fieldErrorf("data.kind", "= %q, want %q or %q", s.Kind, KindMNIST, KindClusters)
	}
}

// Pin returns s with Fingerprint set to that of train, the training split
// s.Load returned: call it after training, before saving the model.
func (s Source) Pin(train *Set) Source {
	s.Fingerprint = Fingerprint(train)
	return s
}

// Load regenerates the training and test sets; sample i of each has Index[i]
// its position in the original split (MNIST) or in the generated set
// (clusters). MNIST is looked up with FindMNIST(dataDir), and only the images
// selected are converted to float64. The source is validated first, and the
// training set checked against s.Fingerprint when it is set.
func (s Source) Load(dataDir string) (train, test *Set, err error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	if s.Kind == KindClusters {
		return s.clusters()
	}
	tr, te, err := s.openMNIST(dataDir, true, true)
	if err != nil {
		return nil, nil, err
	}
	defer tr.Close()
	defer te.Close()
	trainIdx, err := s.mnistSelection(tr, SplitTrain)
	if err != nil {
		return nil, nil, err
	}
	if train, err = tr.set(trainIdx); err != nil {
		return nil, nil, err
	}
	if err := checkFingerprint(s.Fingerprint, fingerprintOf(train), mnistHint); err != nil {
		return nil, nil, err
	}
	testIdx, err := s.mnistSelection(te, SplitTest)
	if err != nil {
		return nil, nil, err
	}
	if test, err = te.set(testIdx); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// mnistHint tells a user whose MNIST training split differs what to do.
const mnistHint = "pass the --data-dir it was trained with"

// clusters generates the cluster sets, with Index 0, …, N−1, and checks the
// training set's fingerprint.
func (s Source) clusters() (train, test *Set, err error) {
	if train, test, err = Clusters(*s.Clusters); err != nil {
		return nil, nil, err
	}
	train.Index, test.Index = train.indexRange(0, train.N), test.indexRange(0, test.N)
	if err := checkFingerprint(s.Fingerprint, fingerprintOf(train), "this version of minima generates different clusters from data.clusters"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// openMNIST finds MNIST and opens the splits asked for.
func (s Source) openMNIST(dataDir string, wantTrain, wantTest bool) (train, test *mnistSplit, err error) {
	dir, err := FindMNIST(dataDir)
	if err != nil {
		return nil, nil, err
	}
	return openMNIST(dir, wantTrain, wantTest)
}

// mnistSelection returns the indices into m of the samples s selects from
// the given split: a stratified subset, or every image.
func (s Source) mnistSelection(m *mnistSplit, split string) ([]int, error) {
	n, seed, name := s.Subset, s.Seed, "training"
	if split == SplitTest {
		n, seed, name = s.TestSubset, s.Seed+testSubsetSeedOffset, "test"
	}
	if n == 0 {
		return m.all(), nil
	}
	idx, err := StratifiedIndex(m.y, MNISTClasses, n, seed)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s subset: %w", name, err)
	}
	return idx, nil
}

// Splits.
const (
	SplitTrain = "train"
	SplitTest  = "test"
)

// Samples returns n samples of the given split ("train" or "test") of the
// source: the whole split when n is 0, else a stratified subset of n drawn with
// seed (the subset StratifiedSubset draws from the whole split). The training
// split is the model's own training set. Index gives each sample's position
// in the original split, as for Load.
//
// For MNIST only the split asked for is read and only the n samples returned
// are converted to float64; when s.Fingerprint is set, the training split is
// checked against it whichever split is asked for.
func (s Source) Samples(dataDir, split string, n int, seed int64) (*Set, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("datasets: number of samples must be ≥ 0, got %d", n)
	}
	if split != SplitTrain && split != SplitTest {
		return nil, fmt.Errorf("datasets: unknown split %q (want %s or %s)", split, SplitTrain, SplitTest)
	}
	if s.Kind == KindClusters {
		train, test, err := s.clusters()
		if err != nil {
			return nil, err
		}
		if split == SplitTest {
			return pick(test, split, n, seed)
		}
		return pick(train, split, n, seed)
	}

	// The training split is needed for itself or to check its fingerprint.
	tr, te, err := s.openMNIST(dataDir, split == SplitTrain || s.Fingerprint != "", split == SplitTest)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	defer te.Close()
	var trainIdx []int
	if tr != nil {
		if trainIdx, err = s.mnistSelection(tr, SplitTrain); err != nil {
			return nil, err
		}
	}
	if split == SplitTrain && (n == 0 || n == len(trainIdx)) {
		// The set returned is the whole training split: fingerprint it.
		set, err := tr.set(trainIdx)
		if err != nil {
			return nil, err
		}
		if err := checkFingerprint(s.Fingerprint, fingerprintOf(set), mnistHint); err != nil {
			return nil, err
		}
		return set, nil
	}
	streamed := func() (string, error) { return tr.fingerprint(trainIdx) }
	if err := checkFingerprint(s.Fingerprint, streamed, mnistHint); err != nil {
		return nil, err
	}
	m, idx := tr, trainIdx
	if split == SplitTest {
		if idx, err = s.mnistSelection(te, SplitTest); err != nil {
			return nil, err
		}
		m = te
	}
	if idx, err = pickIndex(m.labels(idx), idx, split, n, seed); err != nil {
		return nil, err
	}
	return m.set(idx)
}

// pick returns set (n == 0 or n == set.N) or its stratified subset of n.
func pick(set *Set, split string, n int, seed int64) (*Set, error) {
	if n == 0 || n == set.N {
		return set, nil
	}
	if n > set.N {
		return nil, fmt.Errorf("datasets: %d samples asked, the %s split has %d", n, split, set.N)
	}
	sub, _, err := StratifiedSubset(set, n, seed)
	return sub, err
}

// pickIndex is pick on indices: of the samples idx, with labels y, it
// returns those pick would keep.
func pickIndex(y, idx []int, split string, n int, seed int64) ([]int, error) {
	if n == 0 || n == len(idx) {
		return idx, nil
	}
	if n > len(idx) {
		return nil, fmt.Errorf("datasets: %d samples asked, the %s split has %d", n, split, len(idx))
	}
	sel, err := StratifiedIndex(y, MNISTClasses, n, seed)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(sel))
	for k, j := range sel {
		out[k] = idx[j]
	}
	return out, nil
}
