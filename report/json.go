package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Float is a float64 that may be non-finite. encoding/json refuses NaN and
// ±Inf, so Float encodes them as JSON null (which pandas and numpy read as
// NaN); finite values encode exactly like float64. Decoding null yields NaN.
// Note that the sign of an infinity is not preserved. Use Float (or []Float)
// for fields that can legitimately be non-finite, such as a measure that
// diverged; plain float64 fields holding NaN make WriteJSON fail.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler: null becomes NaN, a number is
// parsed as float64.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// WriteJSON atomically writes v as JSON to path, indented with two spaces
// and followed by a newline. HTML characters are not escaped.
//
// encoding/json cannot represent NaN or ±Inf: if v contains a non-finite
// float64 (or float32), WriteJSON fails without touching path, and the error
// names the file and, where it can be found, the JSON path of the offending
// value (e.g. "$.measures[2].trace"). Use Float for such fields.
func WriteJSON(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		var uve *json.UnsupportedValueError
		if errors.As(err, &uve) {
			where := findNonFinite(reflect.ValueOf(v), "$", 0)
			if where != "" {
				where = " at " + where
			}
			return fmt.Errorf("report: write JSON %s: non-finite value %s%s: JSON has no NaN/Inf; use report.Float for values that may be non-finite (encoded as null)", path, uve.Str, where)
		}
		return fmt.Errorf("report: write JSON %s: %w", path, err)
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// findNonFinite returns the JSON path of the first NaN/Inf float that
// encoding/json would reject in v, or "" if none is found.
func findNonFinite(v reflect.Value, at string, depth int) string {
	if !v.IsValid() || depth > 64 {
		return ""
	}
	if v.Type().Implements(reflect.TypeFor[json.Marshaler]()) {
		return ""
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return at
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return findNonFinite(v.Elem(), at, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if p := findNonFinite(v.Index(i), at+"["+strconv.Itoa(i)+"]", depth+1); p != "" {
				return p
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if p := findNonFinite(it.Value(), at+"["+strconv.Quote(fmt.Sprint(it.Key().Interface()))+"]", depth+1); p != "" {
				return p
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() && !sf.Anonymous {
				continue
			}
			name := sf.Name
			if tag, ok := sf.Tag.Lookup("json"); ok {
				tn, _, _ := strings.Cut(tag, ",")
				if tn == "-" && tag == "-" {
					continue
				}
				if tn != "" {
					name = tn
				}
			}
			next := at + "." + name
			if sf.Anonymous {
				next = at
			}
			if p := findNonFinite(v.Field(i), next, depth+1); p != "" {
				return p
			}
		}
	}
	return ""
}

// ReadJSON decodes the JSON document in path into v. Unknown object fields
// are ignored (as with json.Unmarshal); see ReadJSONStrict. Errors name the
// file, and syntax errors give the line and column.
func ReadJSON(path string, v any) error {
	return readJSON(path, v, false)
}

// ReadJSONStrict is ReadJSON but fails on object fields that have no
// matching destination field in v, catching misspelled keys in
// configuration files.
func ReadJSONStrict(path string, v any) error {
	return readJSON(path, v, true)
}

func readJSON(path string, v any, strict bool) error {
	f, _, err := openRegular(path)
	if err != nil {
		return fmt.Errorf("report: read JSON: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("report: read JSON %s: %w", path, err)
	}
	return decodeJSON(path, b, v, strict)
}

// newDecoder returns a decoder of b that, if strict, refuses unknown fields.
func newDecoder(b []byte, strict bool) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	return dec
}

// jsonPos locates a decoding error in b as ":line:col", if possible.
func jsonPos(b []byte, err error, dec *json.Decoder) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return lineCol(b, se.Offset)
	case errors.As(err, &te):
		return lineCol(b, te.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return ""
	}
	return lineCol(b, dec.InputOffset())
}

// lineCol renders a byte offset in b as ":line:col" (1-based).
func lineCol(b []byte, off int64) string {
	if off < 0 || off > int64(len(b)) {
		return ""
	}
	prefix := b[:off]
	line := bytes.Count(prefix, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(prefix, '\n') + 1) + 1
	return fmt.Sprintf(":%d:%d", line, col)
}
