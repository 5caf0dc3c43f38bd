package main

import (
	"math"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
)

// One validation rule per kind of flag, for every command.

// floatList returns the values of a list flag, each finite and in [lo, hi],
// none twice; otherwise a usage error naming the flag.
func floatList(c *cli.Context, name string, lo, hi float64) ([]float64, error) {
	vs := c.Float64Slice(name)
	if len(vs) == 0 {
		return nil, usagef(c, "--%s needs at least one value", name)
	}
	seen := map[string]bool{}
	for _, v := range vs {
		if !(v >= lo && v <= hi) {
			return nil, usagef(c, "--%s values must be in [%g, %g], got %v", name, lo, hi, v)
		}
		key := strconv.FormatFloat(v, 'g', -1, 64)
		if seen[key] {
			return nil, usagef(c, "--%s lists %v twice", name, v)
		}
		seen[key] = true
	}
	return vs, nil
}

// inRange returns a float flag's value if it is finite and in (lo, hi]
// (lo exclusive: these are positive scales), else a usage error naming it.
func inRange(c *cli.Context, name string, lo, hi float64) (float64, error) {
	v := c.Float64(name)
	if !(v > lo && v <= hi) || math.IsInf(v, 0) {
		return 0, usagef(c, "--%s must be in (%g, %g], got %v", name, lo, hi, v)
	}
	return v, nil
}

// countFlag returns an integer flag that counts samples to take from a set
// of `available` (0: all of them), or a usage error naming the flag.
func countFlag(c *cli.Context, name string, available int, what string) (int, error) {
	n := c.Int(name)
	if n < 0 || n > available {
		return 0, usagef(c, "--%s must be in [0, %d] (0: all; %s has %d), got %d", name, available, what, available, n)
	}
	return n, nil
}

// subset returns a stratified subset of n samples of set drawn with seed
// (the whole set for n = 0 or n = set.N), n checked by countFlag.
func subset(c *cli.Context, name string, set *datasets.Set, seed int64, what string) (*datasets.Set, error) {
	n, err := countFlag(c, name, set.N, what)
	if err != nil || n == 0 || n == set.N {
		return set, err
	}
	sub, _, err := datasets.StratifiedSubset(set, n, seed)
	return sub, err
}
