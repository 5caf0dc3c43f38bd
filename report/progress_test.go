package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestProgressNilSafe(t *testing.T) {
	var p *Progress
	p.Add(3)
	p.Describe("x")
	p.Finish()
	// Quiet, or stderr not a terminal (as under go test), gives nil.
	if q := NewProgress(10, "quiet", true); q != nil {
		t.Fatal("quiet progress is not nil")
	}
	NewProgress(10, "test", false).Add(1) // nil or real: must not panic
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressRenders(t *testing.T) {
	var buf syncBuffer
	p := newProgressTo(&buf, 8, "lanczos")
	var wg sync.WaitGroup
	p.Describe("almost")
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Add(2)
		}()
	}
	wg.Wait()
	p.Finish()
	p.Describe("after finish")
	p.Finish()
	out := buf.String()
	if !strings.Contains(out, "8/8") || !strings.Contains(out, "almost") || strings.Contains(out, "after finish") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("output %q", out)
	}

	var sp syncBuffer
	s := newProgressTo(&sp, 0, "spinner")
	s.Add(5)
	s.Finish()
	if !strings.Contains(sp.String(), "spinner") {
		t.Fatalf("spinner output %q", sp.String())
	}
}
