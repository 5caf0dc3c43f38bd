package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// MarkerFile is the name of the file AtomicDir.Commit writes into every
// directory it publishes. A directory is replaced by a commit with
// AllowOverwrite only if it holds this file: minima's overwrite can replace
// minima's own output, never a directory a user made.
const MarkerFile = ".minima-output"

// MarkerFormat is the value of "format" in a marker file.
const MarkerFormat = "minima/output/v1"

// Marker is the content of a marker file (JSON).
type Marker struct {
	Format  string `json:"format"`
	Command string `json:"command,omitempty"`
	Version string `json:"version,omitempty"`
}

// producer is what SetProducer recorded for the markers of this process.
var producer struct {
	sync.Mutex
	command, version string
}

// SetProducer records the command (e.g. "minima train") and program version
// written into the marker of every directory committed afterwards by this
// process.
func SetProducer(command, version string) {
	producer.Lock()
	producer.command, producer.version = command, version
	producer.Unlock()
}

// writeMarker writes the marker file into dir.
func writeMarker(dir string) error {
	producer.Lock()
	m := Marker{Format: MarkerFormat, Command: producer.command, Version: producer.version}
	producer.Unlock()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, MarkerFile), append(b, '\n'), 0o644)
}

// maxMarkerBytes bounds the marker file read by ReadMarker.
const maxMarkerBytes = 4 << 10

// ReadMarker reads the marker file of dir. It fails if there is none, if it
// is not a regular file (a link, a FIFO), or if it is not a marker of
// MarkerFormat.
func ReadMarker(dir string) (Marker, error) {
	var m Marker
	p := filepath.Join(dir, MarkerFile)
	fi, err := os.Lstat(p)
	if err != nil {
		return m, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxMarkerBytes {
		return m, fmt.Errorf("%s: not a marker file", p)
	}
	f, err := os.OpenFile(p, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return m, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMarkerBytes))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Format != MarkerFormat {
		return Marker{}, fmt.Errorf("%s: not a marker file of format %s", p, MarkerFormat)
	}
	return m, nil
}

// Reasons CheckOverwrite refuses a directory (wrapped in its errors).
var (
	// ErrNotOutput: the directory has no marker file, so minima did not
	// write it.
	ErrNotOutput = errors.New("was not written by minima")
	// ErrNotDir: the path is not a directory (a file, or a symbolic link).
	ErrNotDir = errors.New("is not a directory")
	// ErrHoldsInput: the directory is, or holds, the working directory, one
	// of its ancestors, or an input of the run.
	ErrHoldsInput = errors.New("holds an input")
)

// CheckOverwrite reports whether replacing the existing path dir is allowed:
// dir must be a directory itself (not a symbolic link to one), hold a marker
// file (see MarkerFile), and be neither the working directory nor one of
// its ancestors, nor hold any of inputs (paths read by the run: a model
// directory, a data directory, files). Paths are compared as files after
// resolving symbolic links, so no spelling of a path (links, "..", case on
// case-insensitive file systems) hides an input. A dir that does not exist
// is allowed (nothing is replaced).
//
// The error wraps ErrNotDir, ErrHoldsInput or ErrNotOutput and names dir and,
// for ErrHoldsInput, what it holds.
func CheckOverwrite(dir string, inputs ...string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %w (it is a symbolic link)", dir, ErrNotDir)
	case !fi.IsDir():
		return fmt.Errorf("%s %w", dir, ErrNotDir)
	}
	if wd, err := os.Getwd(); err == nil && Holds(fi, wd) {
		return fmt.Errorf("%s %w: it is the working directory or one of its ancestors", dir, ErrHoldsInput)
	}
	for _, in := range inputs {
		if in != "" && Holds(fi, in) {
			return fmt.Errorf("%s %w: %s", dir, ErrHoldsInput, in)
		}
	}
	if _, err := ReadMarker(dir); err != nil {
		return fmt.Errorf("%s %w (it has no %s file)", dir, ErrNotOutput, MarkerFile)
	}
	return nil
}

// Holds reports whether the directory dir (as returned by os.Lstat or
// os.Stat) is path or one of path's ancestors, comparing files (os.SameFile)
// along both the path as written and the path with every symbolic link
// resolved. A path that does not exist is compared along its existing
// ancestors.
func Holds(dir fs.FileInfo, path string) bool {
	var chains []string
	if abs, err := filepath.Abs(path); err == nil {
		chains = append(chains, abs)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		if abs, err := filepath.Abs(real); err == nil {
			chains = append(chains, abs)
		}
	}
	for _, p := range chains {
		for {
			if fi, err := os.Stat(p); err == nil && os.SameFile(fi, dir) {
				return true
			}
			parent := filepath.Dir(p)
			if parent == p {
				break
			}
			p = parent
		}
	}
	return false
}
