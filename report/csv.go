package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table is a rectangular table of results: a header of column names and
// rows of cells. Cells may be float64, float32, Float, any signed or
// unsigned integer type, string, bool, nil (an empty/missing cell) or a
// fmt.Stringer. Every row should have len(Columns) cells.
type Table struct {
	Columns []string
	Rows    [][]any
}

// AddRow appends a row of cells to t.
func (t *Table) AddRow(cells ...any) {
	t.Rows = append(t.Rows, cells)
}

// WriteCSV atomically writes t to path as CSV (RFC 4180, comma separated,
// "\n" line endings, a header line first). Floats are formatted with
// strconv 'g' and precision -1 (float32 with bit size 32), the shortest
// text that parses back to the identical value; NaN is written as "NaN"
// and infinities as "inf"/"-inf", which Python, numpy, pandas and Go all
// parse. nil cells are written empty, which pandas reads as NaN.
//
// A row whose length differs from len(t.Columns), or a cell of another
// type, is an error naming the file, row and column; the file is then not
// written.
func WriteCSV(path string, t *Table) error {
	if t == nil {
		return fmt.Errorf("report: write CSV %s: nil table", path)
	}
	records := make([][]string, 0, len(t.Rows)+1)
	records = append(records, t.Columns)
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("report: write CSV %s: row %d has %d cells, the table has %d columns", path, i, len(row), len(t.Columns))
		}
		rec := make([]string, len(row))
		for j, c := range row {
			s, ok := csvCell(c)
			if !ok {
				return fmt.Errorf("report: write CSV %s: row %d, column %q: unsupported cell type %T", path, i, t.Columns[j], c)
			}
			rec[j] = s
		}
		records = append(records, rec)
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(records); err != nil {
			return err
		}
		return cw.Error()
	})
}

// csvCell formats one cell exactly (round-trippable for numbers).
func csvCell(c any) (string, bool) {
	switch v := c.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case float64:
		return exactFloat(v, 64), true
	case Float:
		return exactFloat(float64(v), 64), true
	case float32:
		return exactFloat(float64(v), 32), true
	case int:
		return strconv.FormatInt(int64(v), 10), true
	case int8:
		return strconv.FormatInt(int64(v), 10), true
	case int16:
		return strconv.FormatInt(int64(v), 10), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint:
		return strconv.FormatUint(uint64(v), 10), true
	case uint8:
		return strconv.FormatUint(uint64(v), 10), true
	case uint16:
		return strconv.FormatUint(uint64(v), 10), true
	case uint32:
		return strconv.FormatUint(uint64(v), 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case bool:
		return strconv.FormatBool(v), true
	case fmt.Stringer:
		return v.String(), true
	}
	return "", false
}

// exactFloat formats f in the shortest form that parses back to f.
func exactFloat(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// DefaultFloatFormat is the fmt verb used for floats by Text, and by
// Markdown when its floatFmt argument is empty.
const DefaultFloatFormat = "%.6g"

// displayCell formats a cell for human consumption; floats use floatFmt.
// It never fails: unknown types are rendered with fmt.Sprint.
func displayCell(c any, floatFmt string) string {
	var s string
	switch v := c.(type) {
	case nil:
		s = ""
	case float64:
		s = fmt.Sprintf(floatFmt, v)
	case Float:
		s = fmt.Sprintf(floatFmt, float64(v))
	case float32:
		s = fmt.Sprintf(floatFmt, v)
	default:
		if cs, ok := csvCell(c); ok {
			s = cs
		} else {
			s = fmt.Sprint(c)
		}
	}
	// Cells are single-line.
	return strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)), " ")
}

// isNumeric reports whether c is a number (for right-alignment).
func isNumeric(c any) bool {
	switch c.(type) {
	case float64, float32, Float, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// layout formats the header and cells of t for display. Short rows are
// padded with empty cells and long rows get extra, unnamed columns, so
// display never fails. numeric[j] is true when every non-nil cell in
// column j is a number (and there is at least one).
func layout(t *Table, floatFmt string) (header []string, cells [][]string, widths []int, numeric []bool) {
	ncol := len(t.Columns)
	for _, r := range t.Rows {
		ncol = max(ncol, len(r))
	}
	header = make([]string, ncol)
	for j := range header {
		if j < len(t.Columns) {
			header[j] = displayCell(t.Columns[j], floatFmt)
		}
	}
	numeric = make([]bool, ncol)
	seen := make([]bool, ncol)
	for j := range numeric {
		numeric[j] = true
	}
	cells = make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		cells[i] = make([]string, ncol)
		for j, c := range r {
			cells[i][j] = displayCell(c, floatFmt)
			if c != nil {
				seen[j] = true
				numeric[j] = numeric[j] && isNumeric(c)
			}
		}
	}
	widths = make([]int, ncol)
	for j := range widths {
		numeric[j] = numeric[j] && seen[j]
		widths[j] = utf8.RuneCountInString(header[j])
		for i := range cells {
			widths[j] = max(widths[j], utf8.RuneCountInString(cells[i][j]))
		}
	}
	return header, cells, widths, numeric
}

// pad pads s with spaces to width w, on the left when right is true.
func pad(s string, w int, right bool) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

// Markdown renders t as a GitHub-flavoured Markdown table. Floats are
// formatted with the fmt verb floatFmt (for example "%.4g" or "%.3f"; empty
// means DefaultFloatFormat). Numeric columns are right-aligned, the source
// is padded so it is readable as plain text too, and "|" in cells is
// escaped. The result ends with a newline.
func Markdown(t *Table, floatFmt string) string {
	if t == nil {
		return ""
	}
	if floatFmt == "" {
		floatFmt = DefaultFloatFormat
	}
	esc := strings.NewReplacer("|", `\|`)
	header, cells, _, numeric := layout(t, floatFmt)
	if len(header) == 0 {
		return ""
	}
	for j := range header {
		header[j] = esc.Replace(header[j])
		for i := range cells {
			cells[i][j] = esc.Replace(cells[i][j])
		}
	}
	widths := make([]int, len(header))
	for j := range widths {
		widths[j] = max(3, utf8.RuneCountInString(header[j]))
		for i := range cells {
			widths[j] = max(widths[j], utf8.RuneCountInString(cells[i][j]))
		}
	}
	var sb strings.Builder
	line := func(row []string) {
		sb.WriteString("|")
		for j, s := range row {
			sb.WriteString(" " + pad(s, widths[j], numeric[j]) + " |")
		}
		sb.WriteString("\n")
	}
	line(header)
	sb.WriteString("|")
	for j, w := range widths {
		if numeric[j] {
			sb.WriteString(" " + strings.Repeat("-", w-1) + ": |")
		} else {
			sb.WriteString(" " + strings.Repeat("-", w) + " |")
		}
	}
	sb.WriteString("\n")
	for _, r := range cells {
		line(r)
	}
	return sb.String()
}

// Text renders t as an aligned plain-text table for terminals: a header,
// a dashed rule, then the rows, with columns separated by two spaces,
// numeric columns right-aligned and floats formatted with
// DefaultFloatFormat. Trailing spaces are trimmed; the result ends with a
// newline (or is empty for a table with no columns).
func Text(t *Table) string {
	if t == nil {
		return ""
	}
	header, cells, widths, numeric := layout(t, DefaultFloatFormat)
	if len(header) == 0 {
		return ""
	}
	var sb strings.Builder
	line := func(row []string) {
		parts := make([]string, len(row))
		for j, s := range row {
			parts[j] = pad(s, widths[j], numeric[j])
		}
		sb.WriteString(strings.TrimRight(strings.Join(parts, "  "), " "))
		sb.WriteString("\n")
	}
	line(header)
	rule := make([]string, len(widths))
	for j, w := range widths {
		rule[j] = strings.Repeat("-", w)
	}
	line(rule)
	for _, r := range cells {
		line(r)
	}
	return sb.String()
}
