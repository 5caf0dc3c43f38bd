package main

import (
	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/sysmem"
)

// checkMemory refuses, before any work, a run whose network (at chunks of
// batch samples) and extra bytes would not fit in the available memory,
// naming the flags that change it.
func checkMemory(c *cli.Context, s graph.Spec, batch int, extra float64, flags string) error {
	if err := sysmem.Fits(s.MemoryEstimate(batch) + extra); err != nil {
		return usagef(c, "%s: %d parameters at %d samples a chunk %v; change %s", s.String(), s.NumParams(), batch, err, flags)
	}
	return nil
}
