package streamsandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// decodeStrict decodes body into v matching object keys to field names case-sensitively.
// encoding/json matches keys case-insensitively, so "OrderNo" would fill orderNo; Stream's server
// is not known to do that, and a sandbox that forgave it would hide a client bug. Keys that are
// not an exact field name are dropped before decoding, as a server ignores unknown fields.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return errBadJSON
	}
	if dec.More() {
		return errBadJSON
	}
	pruned := prune(generic, reflect.TypeOf(v))
	clean, err := json.Marshal(pruned)
	if err != nil {
		return fmt.Errorf("re-encode request: %w", err)
	}
	if err := json.Unmarshal(clean, v); err != nil {
		return describeJSONError(err)
	}
	return nil
}

// prune removes from v the object keys that t has no exactly-named field for.
func prune(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		if reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
			return v
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return v
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return v
		}
		fields := jsonFields(t)
		out := make(map[string]any, len(val))
		for k, child := range val {
			ft, ok := fields[k]
			if !ok {
				continue
			}
			out[k] = prune(child, ft)
		}
		return out
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return v
		}
		out := make([]any, len(val))
		for i, child := range val {
			out[i] = prune(child, t.Elem())
		}
		return out
	default:
		return v
	}
}

// jsonFields maps the JSON names of struct t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// describeJSONError turns a decoding error into "<field>: <problem>".
func describeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return fmt.Errorf("%s: must be %s, not %s", field, kindName(typeErr.Type), typeErr.Value)
	}
	return fmt.Errorf("body: %w", err)
}

func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return t.String()
	}
}
