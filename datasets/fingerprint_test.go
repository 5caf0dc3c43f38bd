package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestFingerprintDefinition recomputes the fingerprint of a tiny set from
// its documented byte layout, written out by hand.
func TestFingerprintDefinition(t *testing.T) {
	s := &Set{X: []float64{1, -2}, Y: []int{2}, N: 1, D: 2, Classes: 3}
	stream := "minima-data-v1\n" +
		"\x01\x00\x00\x00\x00\x00\x00\x00" + // N = 1
		"\x02\x00\x00\x00\x00\x00\x00\x00" + // D = 2
		"\x03\x00\x00\x00\x00\x00\x00\x00" + // Classes = 3
		"\x00\x00\x00\x00\x00\x00\xf0\x3f" + // 1.0 = 0x3ff0000000000000
		"\x00\x00\x00\x00\x00\x00\x00\xc0" + // -2.0 = 0xc000000000000000
		"\x02\x00\x00\x00\x00\x00\x00\x00" // label 2
	sum := sha256.Sum256([]byte(stream))
	if got, want := Fingerprint(s), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
}

// TestFingerprintSensitive: flipping the lowest bit of one feature, changing
// one label or the shape changes the fingerprint; Index does not.
func TestFingerprintSensitive(t *testing.T) {
	base := Fingerprint(tinySet())
	changes := map[string]func(s *Set){
		"feature-bit": func(s *Set) { s.X[5] = 21.000000000000004 },
		"label":       func(s *Set) { s.Y[3] = 0 },
		"classes":     func(s *Set) { s.Classes = 4 },
		"shape":       func(s *Set) { s.N, s.D = 2, 4; s.Y = s.Y[:2] },
	}
	for name, change := range changes {
		s := tinySet()
		change(s)
		if Fingerprint(s) == base {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
	s := tinySet()
	s.Index = []int{7, 8, 9, 10}
	if Fingerprint(s) != base {
		t.Error("Index changed the fingerprint")
	}
}

func TestFingerprintMismatchMessage(t *testing.T) {
	want := strings.Repeat("a", 64)
	got := strings.Repeat("b", 64)
	err := checkFingerprint(want, func() (string, error) { return got, nil }, mnistHint)
	msg := "datasets: the training data differ from the data the model was trained on (data.fingerprint aaaaaaaaaaaa…, these data give bbbbbbbbbbbb…): pass the --data-dir it was trained with"
	if err == nil || err.Error() != msg || strings.Contains(err.Error(), "\n") {
		t.Errorf("got  %v\nwant %s", err, msg)
	}
	if checkFingerprint(got, func() (string, error) { return got, nil }, mnistHint) != nil {
		t.Error("an equal fingerprint was refused")
	}
	computed := false
	if checkFingerprint("", func() (string, error) { computed = true; return got, nil }, mnistHint) != nil || computed {
		t.Error("an empty fingerprint was refused or made the data be fingerprinted")
	}
}
