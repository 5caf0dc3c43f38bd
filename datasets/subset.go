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
// indices 0..N-1. s must pass Validate. The subset's Index composes with
// s.Index (see Set.Subset).
func StratifiedSubset(s *Set, n int, seed int64) (*Set, []int, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, fmt.Errorf("datasets: StratifiedSubset: %w", err)
	}
	idx, err := StratifiedIndex(s.Y, s.Classes, n, seed)
	if err != nil {
		return nil, nil, err
	}
	return s.Subset(idx), idx, nil
}

// StratifiedIndex returns the ascending indices into y that
// StratifiedSubset picks from a set with labels y and the given number of
// classes: the selection depends on the labels alone. n must be in
// [1, len(y)] and every label in [0, classes).
func StratifiedIndex(y []int, classes, n int, seed int64) ([]int, error) {
	if n <= 0 || n > len(y) {
		return nil, fmt.Errorf("datasets: StratifiedSubset: n=%d out of range [1,%d]", n, len(y))
	}
	if n == len(y) {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	byClass := make([][]int, classes)
	counts := make([]int, classes)
	for i, k := range y {
		if k < 0 || k >= classes {
			return nil, fmt.Errorf("datasets: StratifiedSubset: label y[%d]=%d out of range [0,%d)", i, k, classes)
		}
		byClass[k] = append(byClass[k], i)
		counts[k]++
	}
	quota := stratifiedQuotas(counts, n, len(y))

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
	return idx, nil
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
