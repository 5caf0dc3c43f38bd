package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is part Index of Count of a sweep: the run at position j of the
// plan belongs to part j mod Count. The zero value is the whole sweep.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" with 0 ≤ i < n (Slurm:
// --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT). The empty string is
// the whole sweep.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4", s)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want 0 ≤ i < n", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// String is "i/n", or "all" for the whole sweep.
func (s Shard) String() string {
	if s.Count == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Select returns the ids of the part, in plan order.
func (s Shard) Select(ids []string) []string {
	var out []string
	for j, id := range ids {
		if s.Count <= 1 || j%s.Count == s.Index {
			out = append(out, id)
		}
	}
	return out
}
