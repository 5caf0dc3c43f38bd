package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MNIST geometry.
const (
	MNISTRows    = 28
	MNISTCols    = 28
	MNISTDim     = MNISTRows * MNISTCols // 784 features per image
	MNISTClasses = 10

	MNISTTrainSize = 60000 // images in the original training split
	MNISTTestSize  = 10000 // images in the original test split
)

// Base names of the four original MNIST files. Each may be present with a
// ".gz" suffix (tried first) or without it.
const (
	MNISTTrainImages = "train-images-idx3-ubyte"
	MNISTTrainLabels = "train-labels-idx1-ubyte"
	MNISTTestImages  = "t10k-images-idx3-ubyte"
	MNISTTestLabels  = "t10k-labels-idx1-ubyte"
)

// MNISTEnv is the environment variable FindMNIST consults.
const MNISTEnv = "MINIMA_DATA"

// MNISTDefaultDir is the directory FindMNIST falls back to, relative to the
// working directory.
const MNISTDefaultDir = "data/mnist"

// ErrMNISTNotFound is matched (via errors.Is) by the errors FindMNIST and
// LoadMNIST return when the MNIST files are missing.
var ErrMNISTNotFound = errors.New("datasets: MNIST not found")

var mnistFiles = []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels}

// notFoundError carries a full message and matches ErrMNISTNotFound.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrMNISTNotFound }

// mnistFile returns the path of base (or base.gz) inside dir, or "" if
// neither exists. Errors other than non-existence are returned.
func mnistFile(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err == nil {
			if st.IsDir() {
				continue
			}
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("datasets: %w", err)
		}
	}
	return "", nil
}

// mnistPaths resolves the four MNIST files in dir, in the order of
// mnistFiles. missing lists the base names not found (as "name[.gz]").
func mnistPaths(dir string) (paths []string, missing []string, err error) {
	paths = make([]string, len(mnistFiles))
	for i, base := range mnistFiles {
		p, err := mnistFile(dir, base)
		if err != nil {
			return nil, nil, err
		}
		if p == "" {
			missing = append(missing, base+"[.gz]")
		}
		paths[i] = p
	}
	return paths, missing, nil
}

// FindMNIST returns the directory holding the four MNIST files.
//
// The directory is chosen by precedence, not by search: flagDir if non-empty
// (the command-line --data-dir value), otherwise $MINIMA_DATA if set,
// otherwise ./data/mnist. An explicitly given location is never silently
// skipped in favour of a later one. The chosen directory is accepted if it
// holds the files itself or in an "mnist" subdirectory (so a data root such
// as ./data works too). If the files are missing the error, which matches
// ErrMNISTNotFound, names the directory, where it came from, the missing
// files, and says to run 'make data'.
func FindMNIST(flagDir string) (string, error) {
	dir, source := flagDir, "--data-dir"
	if dir == "" {
		if env := os.Getenv(MNISTEnv); env != "" {
			dir, source = env, "$"+MNISTEnv
		} else {
			dir, source = MNISTDefaultDir, "default ./"+MNISTDefaultDir
		}
	}
	_, missing, err := mnistPaths(dir)
	if err != nil {
		return "", err
	}
	if len(missing) == 0 {
		return dir, nil
	}
	sub := filepath.Join(dir, "mnist")
	if _, subMissing, err := mnistPaths(sub); err == nil && len(subMissing) == 0 {
		return sub, nil
	}
	return "", &notFoundError{fmt.Sprintf(
		"datasets: MNIST not found in %s (from %s; lookup order: --data-dir, $%s, ./%s; missing %s): run 'make data' to fetch it",
		dir, source, MNISTEnv, MNISTDefaultDir, strings.Join(missing, ", "))}
}

// LoadMNIST loads the MNIST training (60000 images) and test (10000 images)
// sets from dir, which must hold the four original files, gzip-compressed or
// not (see the MNIST* name constants). Pixels are scaled to [0,1] as
// float64(byte)/255, D = MNISTDim (784, row-major 28×28),
// Classes = MNISTClasses and Index = 0, …, N−1. A missing file gives an
// error matching ErrMNISTNotFound that says to run 'make data'.
//
// To use a subset, prefer Source.Samples: it converts only the images it
// selects.
func LoadMNIST(dir string) (train, test *Set, err error) {
	tr, te, err := openMNIST(dir, true, true)
	if err != nil {
		return nil, nil, err
	}
	defer tr.Close()
	defer te.Close()
	if train, err = tr.set(tr.all()); err != nil {
		return nil, nil, err
	}
	if test, err = te.set(te.all()); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// LoadMNISTFiles loads one MNIST split from an images file (IDX, 3
// dimensions, n×28×28) and a labels file (IDX, 1 dimension, n labels each
// below 10), either possibly gzip-compressed. Scaling is as for LoadMNIST;
// Index is 0, …, n−1. A compressed images file is decoded through the cache
// (see mnistcache.go).
func LoadMNISTFiles(imagesPath, labelsPath string) (*Set, error) {
	m, err := openMNISTSplit(imagesPath, labelsPath)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.set(m.all())
}

// openMNIST opens the training split (if wantTrain) and the test split (if
// wantTest) in dir as LoadMNIST does, without converting any image; a split
// not asked for is nil.
func openMNIST(dir string, wantTrain, wantTest bool) (train, test *mnistSplit, err error) {
	paths, missing, err := mnistPaths(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(missing) > 0 {
		return nil, nil, &notFoundError{fmt.Sprintf(
			"datasets: MNIST files missing in %s: %s: run 'make data' to fetch them",
			dir, strings.Join(missing, ", "))}
	}
	if wantTrain {
		if train, err = openMNISTSplit(paths[0], paths[1]); err != nil {
			return nil, nil, err
		}
	}
	if wantTest {
		if test, err = openMNISTSplit(paths[2], paths[3]); err != nil {
			train.Close()
			return nil, nil, err
		}
	}
	return train, test, nil
}
