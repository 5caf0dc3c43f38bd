package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Set is the completed runs of one sweep gathered from output directories.
type Set struct {
	Name        string
	Fingerprint string
	Settings    json.RawMessage // the plan's settings as recorded
	IDs         []string        // every run id of the plan, in order
	Dirs        map[string]string
	Records     map[string]*Record
}

// Load gathers the completed runs under dirs (each an output directory of
// Execute, holding runs/<id>/run.json). Every run must belong to the same
// sweep with the same settings, and no run may be found twice (the same
// directory given twice counts once). Runs still being written (temporary
// directories) are ignored.
func Load(dirs ...string) (*Set, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("sweep: no directories to load")
	}
	var s *Set
	var first string // a run of the first fingerprint, for messages
	seen := map[string]os.FileInfo{}
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("sweep: %s is not a directory", d)
		}
		dup := false
		for _, prev := range seen {
			dup = dup || os.SameFile(prev, fi)
		}
		if dup {
			continue
		}
		seen[d] = fi
		entries, err := os.ReadDir(filepath.Join(d, RunsDir))
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		found := 0
		for _, e := range entries {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			dir := filepath.Join(d, RunsDir, e.Name())
			r, err := readRecord(dir)
			if os.IsNotExist(err) {
				return nil, fmt.Errorf("sweep: %s has no %s: not a completed run", dir, RecordFile)
			}
			if err != nil {
				return nil, fmt.Errorf("sweep: %w", err)
			}
			found++
			if s == nil {
				s = &Set{Name: r.Sweep, Fingerprint: r.Fingerprint, Settings: r.Settings, IDs: r.IDs,
					Dirs: map[string]string{}, Records: map[string]*Record{}}
				first = dir
			}
			if r.Fingerprint != s.Fingerprint {
				return nil, fmt.Errorf("sweep: refusing to merge %s and %s, runs of different settings: %s",
					first, dir, describeDiff(s, r))
			}
			if prev, ok := s.Dirs[r.ID]; ok {
				return nil, fmt.Errorf("sweep: run %s found twice, in %s and %s", r.ID, prev, dir)
			}
			s.Dirs[r.ID], s.Records[r.ID] = dir, r
		}
		if found == 0 {
			return nil, fmt.Errorf("sweep: %s holds no completed run (no %s/<id>/%s)", d, RunsDir, RecordFile)
		}
	}
	return s, nil
}

// describeDiff names what differs between the set's plan and r's.
func describeDiff(s *Set, r *Record) string {
	switch {
	case s.Name != r.Sweep:
		return "sweep " + s.Name + " against " + r.Sweep
	case !slices.Equal(s.IDs, r.IDs):
		return fmt.Sprintf("runs %v against %v", s.IDs, r.IDs)
	case !bytes.Equal(s.Settings, r.Settings):
		return string(s.Settings) + " against " + string(r.Settings)
	}
	return "different fingerprints"
}

// Missing lists the plan's runs not in the set, in plan order.
func (s *Set) Missing() []string {
	var m []string
	for _, id := range s.IDs {
		if _, ok := s.Dirs[id]; !ok {
			m = append(m, id)
		}
	}
	return m
}

// Complete returns an error naming the missing runs, if any.
func (s *Set) Complete() error {
	if m := s.Missing(); len(m) > 0 {
		return fmt.Errorf("sweep %s: %d of %d runs missing: %s (run the remaining shards, then merge again)",
			s.Name, len(m), len(s.IDs), strings.Join(m, ", "))
	}
	return nil
}

// Decode unmarshals the recorded settings into v, refusing unknown fields.
func (s *Set) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(s.Settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("sweep %s: settings: %w", s.Name, err)
	}
	return nil
}

// Path is the location of file inside run id's directory.
func (s *Set) Path(id, file string) string { return filepath.Join(s.Dirs[id], file) }
