package datasets

import (
	"fmt"

	"github.com/minima-project/minima/internal/sysmem"
)

// FieldError is an invalid value of one field of a model.json "data" object
// (a Source): a size out of bounds, data that would not fit in memory, a
// malformed fingerprint. Field is the field's JSON path, such as
// "data.clusters.per_class", so that a command can name its own flag instead.
type FieldError struct {
	Field string // JSON path of the field, e.g. "data.subset"
	Msg   string // what is wrong and what would be accepted
}

func (e *FieldError) Error() string { return "datasets: " + e.Field + " " + e.Msg }

// fieldErrorf returns a *FieldError for field.
func fieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// availableMemory returns the bytes of memory available to a new
// allocation, and false where that cannot be read. Tests replace it.
var availableMemory = sysmem.Available

// memoryBudget returns the bytes a data set may occupy: half the available
// memory, leaving the other half to the computation on it. ok is false
// where the available memory is unknown; then only the fixed bounds apply.
func memoryBudget() (budget float64, ok bool) {
	avail, ok := availableMemory()
	return float64(avail) / 2, ok
}

// fitMemory checks, before anything is allocated, that need bytes fit in
// memoryBudget. perUnit is what one unit of field costs, so the error can
// say which value would fit; fixed is the part of need that does not depend
// on field.
func fitMemory(field string, value int, need, fixed, perUnit float64) error {
	budget, ok := memoryBudget()
	if !ok || need <= budget {
		return nil
	}
	fits := "no value fits"
	if m := (budget - fixed) / perUnit; m >= 1 {
		fits = fmt.Sprintf("at most %d fits", int64(m))
	}
	return fieldErrorf(field, "= %d needs %s of memory for the data, more than half the %s available: %s",
		value, formatBytes(need), formatBytes(2*budget), fits)
}

// formatBytes writes b in MB or GB.
func formatBytes(b float64) string { return sysmem.Format(b) }
