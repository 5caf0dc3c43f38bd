package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// mnistScale maps a pixel byte to its feature value, float64(b)/255, so 0
// maps to exactly 0 and 255 to exactly 1.
var mnistScale = func() (t [256]float64) {
	for b := range t {
		t[b] = float64(b) / 255
	}
	return t
}()

// mnistChunk is the number of images read at once when converting.
const mnistChunk = 256

// mnistSplit is one MNIST split kept as stored: the labels in memory, the
// images as bytes read on demand from an uncompressed IDX file (the original
// file, or its decoded copy in the cache, see openMNISTImages) or from
// memory. Only the images asked for are converted to float64.
type mnistSplit struct {
	y      []int       // labels, one per image
	pix    io.ReaderAt // the image bytes, image i at off + i·MNISTDim
	off    int64
	name   string    // the images file, for messages
	closer io.Closer // nil when pix is in memory
}

// openMNISTSplit opens an images and a labels file (each gzip-compressed or
// not) and checks them as LoadMNISTFiles documents.
func openMNISTSplit(imagesPath, labelsPath string) (*mnistSplit, error) {
	lbl, err := ReadIDX(labelsPath, 1)
	if err != nil {
		return nil, err
	}
	m, err := openMNISTImages(imagesPath)
	if err != nil {
		return nil, err
	}
	if n := len(m.y); lbl.Dims[0] != n {
		m.Close()
		return nil, fmt.Errorf("datasets: count mismatch: %s has %d images but %s has %d labels",
			imagesPath, n, labelsPath, lbl.Dims[0])
	}
	for i, b := range lbl.Data {
		if b >= MNISTClasses {
			m.Close()
			return nil, fmt.Errorf("datasets: %s: label %d at index %d out of range [0,%d)",
				labelsPath, b, i, MNISTClasses)
		}
		m.y[i] = int(b)
	}
	return m, nil
}

// openMNISTImages opens an images file: an uncompressed one is read in
// place; a gzip-compressed one through its decoded copy in the cache, made
// on first use (see mnistcache.go), or decoded into memory when there is no
// usable cache. The returned split's labels are zero.
func openMNISTImages(path string) (*mnistSplit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		f.Close()
		cp, cached := mnistCachePath(path)
		if cached {
			if m, ok := openCachedImages(cp, path); ok {
				return m, nil
			}
		}
		img, err := ReadIDX(path, 3)
		if err != nil {
			return nil, err
		}
		if err := checkMNISTDims(path, img.Dims); err != nil {
			return nil, err
		}
		if cached {
			writeCachedImages(cp, img)
		}
		return &mnistSplit{y: make([]int, img.Dims[0]), pix: bytes.NewReader(img.Data), name: path}, nil
	}
	m, err := openRawImages(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return m, nil
}

// openRawImages checks the header of the uncompressed IDX images file f and
// that f holds exactly the data the header declares, without reading it.
func openRawImages(f *os.File, name string) (*mnistSplit, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("datasets: %s: not a regular file", name)
	}
	src := &idxSource{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, 64), 64), name: name}
	dims, total, err := readIDXHeader(src, 3)
	if err != nil {
		return nil, err
	}
	if err := checkMNISTDims(name, dims); err != nil {
		return nil, err
	}
	off := idxHeaderSize(len(dims))
	switch data := st.Size() - off; {
	case data < int64(total):
		return nil, src.errorf("truncated: want %d data bytes, got %d", total, data)
	case data > int64(total):
		return nil, src.errorf("trailing data: %d extra bytes after %d data bytes", data-int64(total), total)
	}
	return &mnistSplit{y: make([]int, dims[0]), pix: f, off: off, name: name, closer: f}, nil
}

// checkMNISTDims checks that dims are n×28×28.
func checkMNISTDims(name string, dims []int) error {
	if dims[1] != MNISTRows || dims[2] != MNISTCols {
		return fmt.Errorf("datasets: %s: images are %d×%d, want %d×%d",
			name, dims[1], dims[2], MNISTRows, MNISTCols)
	}
	return nil
}

// Close releases the images file. A nil split may be closed.
func (m *mnistSplit) Close() error {
	if m == nil || m.closer == nil {
		return nil
	}
	return m.closer.Close()
}

// all returns the indices 0, …, n−1 of every image.
func (m *mnistSplit) all() []int {
	idx := make([]int, len(m.y))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// labels returns the labels of the images idx.
func (m *mnistSplit) labels(idx []int) []int {
	y := make([]int, len(idx))
	for k, i := range idx {
		y[k] = m.y[i]
	}
	return y
}

// chunks reads the images idx (each in [0, n)) in order, up to mnistChunk
// at a time, and calls fn with the position k0 in idx of the first and
// their bytes, MNISTDim per image. pix is reused between calls.
func (m *mnistSplit) chunks(idx []int, fn func(k0 int, pix []byte)) error {
	buf := make([]byte, min(len(idx), mnistChunk)*MNISTDim)
	for k0 := 0; k0 < len(idx); k0 += mnistChunk {
		part := idx[k0:min(k0+mnistChunk, len(idx))]
		// Read each run of consecutive images with one call.
		for a := 0; a < len(part); {
			b := a + 1
			for b < len(part) && part[b] == part[b-1]+1 {
				b++
			}
			if part[a] < 0 || part[b-1] >= len(m.y) { // the run is ascending
				return fmt.Errorf("datasets: %s: images %d to %d out of range [0,%d)", m.name, part[a], part[b-1], len(m.y))
			}
			dst := buf[a*MNISTDim : b*MNISTDim]
			if _, err := m.pix.ReadAt(dst, m.off+int64(part[a])*MNISTDim); err != nil {
				return fmt.Errorf("datasets: %s: %w", m.name, err)
			}
			a = b
		}
		fn(k0, buf[:len(part)*MNISTDim])
	}
	return nil
}

// set converts the images idx, in that order, into a Set whose Index is
// idx. It checks the memory the set needs before allocating it.
func (m *mnistSplit) set(idx []int) (*Set, error) {
	const sample = 8*MNISTDim + 16 // features, label, index
	if err := fitMemory("samples of "+m.name, len(idx), float64(len(idx))*sample, 0, sample); err != nil {
		return nil, err
	}
	s := &Set{
		X:       make([]float64, len(idx)*MNISTDim),
		Y:       m.labels(idx),
		N:       len(idx),
		D:       MNISTDim,
		Classes: MNISTClasses,
		Index:   append([]int(nil), idx...),
	}
	err := m.chunks(idx, func(k0 int, pix []byte) {
		x := s.X[k0*MNISTDim : k0*MNISTDim+len(pix)]
		for j, b := range pix {
			x[j] = mnistScale[b]
		}
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// fingerprint returns Fingerprint(m.set(idx)) without holding the set.
func (m *mnistSplit) fingerprint(idx []int) (string, error) {
	f := newFingerprinter(len(idx), MNISTDim, MNISTClasses)
	row := make([]float64, MNISTDim)
	err := m.chunks(idx, func(k0 int, pix []byte) {
		for r := 0; r < len(pix)/MNISTDim; r++ {
			for j, b := range pix[r*MNISTDim : (r+1)*MNISTDim] {
				row[j] = mnistScale[b]
			}
			f.row(row, m.y[idx[k0+r]])
		}
	})
	if err != nil {
		return "", err
	}
	return f.sum(), nil
}
