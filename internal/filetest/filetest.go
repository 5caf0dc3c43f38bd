// Package filetest holds the helpers the tests of every package share to
// read and compare the files a command or a study wrote: whole CSV files,
// JSON objects by key, byte-identical copies.
package filetest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// ReadCSV reads a whole CSV file, failing tb if it cannot be read or holds
// no record.
func ReadCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		tb.Fatalf("%s: empty", path)
	}
	return recs
}

// ReadJSONObject reads a JSON object file into its raw values by key,
// failing tb if it cannot be read or is not a JSON object.
func ReadJSONObject(tb testing.TB, path string) map[string]json.RawMessage {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return m
}

// SameFiles fails tb unless directories a and b hold byte-identical copies
// of each of files.
func SameFiles(tb testing.TB, a, b string, files ...string) {
	tb.Helper()
	for _, f := range files {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			tb.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			tb.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			tb.Errorf("%s differs between %s and %s", f, a, b)
		}
	}
}
