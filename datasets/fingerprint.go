package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
)

// fingerprintTag starts every hashed stream, so that a later change of the
// definition cannot collide with this one.
const fingerprintTag = "minima-data-v1\n"

// Fingerprint returns the hex SHA-256 of the content of s: the tag
// "minima-data-v1\n", then N, D and Classes as little-endian uint64, then
// every feature as the little-endian bytes of its float64 (row-major X), then
// every label as a little-endian int64. Two sets have the same fingerprint
// exactly when they hold the same samples, bit for bit, in the same order
// (Index, where the samples came from, is not part of it).
func Fingerprint(s *Set) string {
	f := newFingerprinter(s.N, s.D, s.Classes)
	for i := 0; i < s.N; i++ {
		f.row(s.X[i*s.D:(i+1)*s.D], s.Y[i])
	}
	return f.sum()
}

// fingerprinter computes Fingerprint one sample at a time, so that a split
// can be fingerprinted without holding it as float64.
type fingerprinter struct {
	h      hash.Hash
	buf    []byte // one row's bytes
	labels []byte // the labels, hashed after the features
}

func newFingerprinter(n, d, classes int) *fingerprinter {
	f := &fingerprinter{h: sha256.New(), labels: make([]byte, 0, 8*n)}
	f.h.Write([]byte(fingerprintTag))
	var hdr [24]byte
	binary.LittleEndian.PutUint64(hdr[0:], uint64(n))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(d))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(classes))
	f.h.Write(hdr[:])
	return f
}

// row adds one sample.
func (f *fingerprinter) row(x []float64, y int) {
	f.buf = f.buf[:0]
	for _, v := range x {
		f.buf = binary.LittleEndian.AppendUint64(f.buf, math.Float64bits(v))
	}
	f.h.Write(f.buf)
	f.labels = binary.LittleEndian.AppendUint64(f.labels, uint64(int64(y)))
}

// sum returns the hex fingerprint of the samples added.
func (f *fingerprinter) sum() string {
	f.h.Write(f.labels)
	return hex.EncodeToString(f.h.Sum(nil))
}

// validFingerprint reports whether fp has the form Fingerprint returns.
func validFingerprint(fp string) bool {
	if len(fp) != 2*sha256.Size {
		return false
	}
	for _, c := range fp {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ErrFingerprintMismatch is matched (via errors.Is) by the error Source.Load
// and Source.Samples return when the training split they regenerate does
// not have the fingerprint the source records.
var ErrFingerprintMismatch = errors.New("datasets: the training data differ from the data the model was trained on")

// mismatchError reports a fingerprint mismatch in one line.
type mismatchError struct{ msg string }

func (e *mismatchError) Error() string        { return e.msg }
func (e *mismatchError) Is(target error) bool { return target == ErrFingerprintMismatch }

// checkFingerprint compares want, the fingerprint a source records, with
// the one fingerprint computes of the regenerated training split; want == ""
// accepts anything without computing it. hint says what the user can do.
func checkFingerprint(want string, fingerprint func() (string, error), hint string) error {
	if want == "" {
		return nil
	}
	got, err := fingerprint()
	if err != nil || got == want {
		return err
	}
	return &mismatchError{fmt.Sprintf("%v (data.fingerprint %.12s…, these data give %.12s…): %s",
		ErrFingerprintMismatch, want, got, hint)}
}

// fingerprintOf returns Fingerprint(s) as checkFingerprint wants it.
func fingerprintOf(s *Set) func() (string, error) {
	return func() (string, error) { return Fingerprint(s), nil }
}
