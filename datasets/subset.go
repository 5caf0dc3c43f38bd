package datasets

import (
	"fmt"
	"math/rand"
	"sort"
)

// StratifiedSubset draws n samples from s without replacement so that every
// class keeps its share of the set. It returns the subset (a copy) and the
// indices into s of the chosen samples.
//
// Each class k with c_k samples gets a quota of floor(n·c_k/N) or one more:
// the n − Σ floor(n·c_k/N) leftover places go to the classes with the largest
// remainders (n·c_k mod N), ties to the lower class index (largest-remainder
// method). A quota never exceeds its class size.
//
// Within each class, in class order 0, 1, …, the quota is drawn by a partial
// Fisher–Yates shuffle of the class's indices (ascending) using
// math/rand.New(rand.NewSource(seed)), so the same set, n and seed give the
// same subset bit for bit. The returned indices are sorted in ascending
// order, and the subset's rows follow that order (the original order of s).
//
// n must be in [1, s.N]; n == s.N returns a copy of the whole set with
// indices 0..N-1. s must pass Validate.
func StratifiedSubset(s *Set, n int, seed int64) (*Set, []int, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, fmt.Errorf("datasets: StratifiedSubset: %w", err)
	}
	if n <= 0 || n > s.N {
		return nil, nil, fmt.Errorf("datasets: StratifiedSubset: n=%d out of range [1,%d]", n, s.N)
	}
	if n == s.N {
		idx := make([]int, s.N)
		for i := range idx {
			idx[i] = i
		}
		return s.Subset(idx), idx, nil
	}

	byClass := make([][]int, s.Classes)
	for i, y := range s.Y {
		byClass[y] = append(byClass[y], i)
	}
	quota := stratifiedQuotas(s.ClassCounts(), n, s.N)

	rng := rand.New(rand.NewSource(seed))
	idx := make([]int, 0, n)
	for k, members := range byClass {
		q := quota[k]
		for i := 0; i < q; i++ {
			j := i + rng.Intn(len(members)-i)
			members[i], members[j] = members[j], members[i]
		}
		idx = append(idx, members[:q]...)
	}
	sort.Ints(idx)
	return s.Subset(idx), idx, nil
}

// stratifiedQuotas splits n places among classes of the given sizes (summing
// to total) by the largest-remainder method; ties go to the lower class.
func stratifiedQuotas(counts []int, n, total int) []int {
	quota := make([]int, len(counts))
	rem := make([]int64, len(counts))
	assigned := 0
	for k, c := range counts {
		p := int64(n) * int64(c)
		quota[k] = int(p / int64(total))
		rem[k] = p % int64(total)
		assigned += quota[k]
	}
	order := make([]int, len(counts))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	// Every class with a zero remainder already has its exact share, and
	// the leftover is less than the number of classes with a non-zero
	// remainder, so only those receive an extra place (never overfilling).
	for _, k := range order[:n-assigned] {
		quota[k]++
	}
	return quota
}
