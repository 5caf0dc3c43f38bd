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
// float64(byte)/255, D = MNISTDim (784, row-major 28×28) and
// Classes = MNISTClasses. A missing file gives an error matching
// ErrMNISTNotFound that says to run 'make data'.
func LoadMNIST(dir string) (train, test *Set, err error) {
	paths, missing, err := mnistPaths(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(missing) > 0 {
		return nil, nil, &notFoundError{fmt.Sprintf(
			"datasets: MNIST files missing in %s: %s: run 'make data' to fetch them",
			dir, strings.Join(missing, ", "))}
	}
	train, err = LoadMNISTFiles(paths[0], paths[1])
	if err != nil {
		return nil, nil, err
	}
	test, err = LoadMNISTFiles(paths[2], paths[3])
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// LoadMNISTFiles loads one MNIST split from an images file (IDX, 3
// dimensions, n×28×28) and a labels file (IDX, 1 dimension, n labels each
// below 10), either possibly gzip-compressed. Scaling is as for LoadMNIST.
func LoadMNISTFiles(imagesPath, labelsPath string) (*Set, error) {
	img, err := ReadIDX(imagesPath, 3)
	if err != nil {
		return nil, err
	}
	if img.Dims[1] != MNISTRows || img.Dims[2] != MNISTCols {
		return nil, fmt.Errorf("datasets: %s: images are %d×%d, want %d×%d",
			imagesPath, img.Dims[1], img.Dims[2], MNISTRows, MNISTCols)
	}
	lbl, err := ReadIDX(labelsPath, 1)
	if err != nil {
		return nil, err
	}
	n := img.Dims[0]
	if lbl.Dims[0] != n {
		return nil, fmt.Errorf("datasets: count mismatch: %s has %d images but %s has %d labels",
			imagesPath, n, labelsPath, lbl.Dims[0])
	}
	s := &Set{
		X:       make([]float64, n*MNISTDim),
		Y:       make([]int, n),
		N:       n,
		D:       MNISTDim,
		Classes: MNISTClasses,
	}
	for i, b := range lbl.Data {
		if b >= MNISTClasses {
			return nil, fmt.Errorf("datasets: %s: label %d at index %d out of range [0,%d)",
				labelsPath, b, i, MNISTClasses)
		}
		s.Y[i] = int(b)
	}
	var scale [256]float64
	for b := range scale {
		scale[b] = float64(b) / 255
	}
	for k, b := range img.Data {
		s.X[k] = scale[b]
	}
	return s, nil
}
