package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Reading untrusted input. A model directory may come from anyone: its files
// may be symbolic links to /dev/zero, /etc/passwd or other places outside it,
// FIFOs that block a reader forever, or sparse files whose size is far beyond
// what their header announces. The functions here read only regular files
// that resolve inside a given root directory, bound what they read, and
// check sizes before reading.

// openFlags are added to every open of an input file: O_NONBLOCK so that
// opening a FIFO never blocks (the descriptor is then refused as not a
// regular file), O_NOCTTY so that a terminal never becomes the controlling
// one. Neither changes how a regular file is read.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

// ErrNotRegular is wrapped by the errors of the readers of this file for a
// path that is not a regular file (a directory, FIFO, device or socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrOutsideRoot is wrapped by the errors of OpenIn and the readers built on
// it for a path that leaves its root directory, through ".." or a symbolic
// link (absolute links are refused too).
var ErrOutsideRoot = errors.New("leads outside the directory (only files inside it are read)")

// openRegular opens path for reading, without blocking, and returns it with
// its FileInfo only if the opened descriptor is a regular file.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	return checkRegular(f, path)
}

// checkRegular closes f and fails unless f (checked with fstat) is a
// regular file.
func checkRegular(f *os.File, name string) (*os.File, fs.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w (%s)", name, ErrNotRegular, fileKind(fi.Mode()))
	}
	return f, fi, nil
}

// fileKind names the type of a non-regular file for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// OpenIn opens rel, a relative path inside the directory root, for reading,
// and returns the file with its FileInfo (from fstat of the open
// descriptor). It fails, with an error naming root/rel, unless the file is a
// regular file that resolves inside root: rel must be local (no "..", not
// absolute), and every symbolic link on the way must be relative and stay
// inside root (os.Root). The open never blocks (a FIFO is refused, not
// waited on), and the type is checked on the opened descriptor, so a file
// swapped after a check cannot slip through. root itself may be a symbolic
// link. The caller closes the file.
func OpenIn(root, rel string) (*os.File, fs.FileInfo, error) {
	name := filepath.Join(root, rel)
	if !filepath.IsLocal(rel) {
		return nil, nil, fmt.Errorf("%s: %w", name, ErrOutsideRoot)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	f, err := r.OpenFile(rel, os.O_RDONLY|openFlags, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, nil, &fs.PathError{Op: "open", Path: name, Err: errors.Unwrap(err)}
		}
		if escapes(r, rel) {
			return nil, nil, fmt.Errorf("%s: %w", name, ErrOutsideRoot)
		}
		return nil, nil, fmt.Errorf("open %s: %w", name, err)
	}
	return checkRegular(f, name)
}

// escapes reports whether a failed open of rel in r failed because a
// symbolic link on the way leads outside r: some prefix of rel is a link
// that r cannot follow (Root.Stat fails) although r can read the link.
func escapes(r *os.Root, rel string) bool {
	p := ""
	for _, part := range splitPath(rel) {
		p = filepath.Join(p, part)
		fi, err := r.Lstat(p)
		if err != nil {
			return false
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if _, err := r.Stat(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return true
			}
		}
	}
	return false
}

// splitPath splits a clean relative path into its elements.
func splitPath(rel string) []string {
	var parts []string
	for rel != "" && rel != "." {
		dir, file := filepath.Split(rel)
		parts = append([]string{file}, parts...)
		rel = filepath.Clean(dir)
		if dir == "" {
			break
		}
	}
	return parts
}

// ReadJSONIn decodes the JSON document rel inside the directory root into v,
// like ReadJSON, but for untrusted input: the file is opened with OpenIn
// (a regular file inside root only), and a file larger than maxBytes is
// refused before it is read.
func ReadJSONIn(root, rel string, maxBytes int64, v any) error {
	name := filepath.Join(root, rel)
	f, fi, err := OpenIn(root, rel)
	if err != nil {
		return fmt.Errorf("report: read JSON: %w", err)
	}
	defer f.Close()
	if fi.Size() > maxBytes {
		return fmt.Errorf("report: read JSON %s: %d bytes, more than the %d allowed", name, fi.Size(), maxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return fmt.Errorf("report: read JSON %s: %w", name, err)
	}
	if int64(len(b)) > maxBytes {
		return fmt.Errorf("report: read JSON %s: more than the %d bytes allowed", name, maxBytes)
	}
	return decodeJSON(name, b, v, false)
}

// ReadNpyFloat64In reads the float64 .npy file rel inside the directory root,
// which must hold an array of exactly the shape want (C or Fortran order,
// returned in C order), for untrusted input: the file is opened with OpenIn
// (a regular file inside root only), and its header is read and checked —
// dtype, shape against want, and file size against what the header needs —
// before any data is read or allocated. Errors name root/rel.
func ReadNpyFloat64In(root, rel string, want []int) ([]float64, error) {
	if want == nil {
		want = []int{}
	}
	name := filepath.Join(root, rel)
	f, fi, err := OpenIn(root, rel)
	if err != nil {
		return nil, fmt.Errorf("report: read npy: %w", err)
	}
	defer f.Close()
	var data []float64
	var shape []int
	err = decodeNpy(f, fi.Size(), name, want, &data, &shape, map[string]bool{"f8": true}, "float64")
	return data, err
}

// decodeJSON decodes the single JSON document b (from the file name) into v.
func decodeJSON(name string, b []byte, v any, strict bool) error {
	dec := newDecoder(b, strict)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("report: read JSON %s%s: %w", name, jsonPos(b, err, dec), err)
	}
	// Exactly one document: anything but whitespace after it is an error.
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("unexpected %v after the JSON value", tok)
		}
		return fmt.Errorf("report: read JSON %s%s: trailing data: %w", name, lineCol(b, dec.InputOffset()), err)
	}
	return nil
}
