package shipping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
)

// decodeRequest decodes a JSON object into v, a pointer to a request struct.
// Unlike encoding/json it reports every type mismatch with the full path of
// the field (ConfigItems[2].SelectedValue must be a string), so Linnworks
// shows the user something they can act on. Keys match field names
// case-insensitively, as in encoding/json (the contract's own documents
// disagree on casing); unknown keys are ignored; null leaves a field at its
// zero value. The message of the returned error is meant for the caller.
func decodeRequest(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("request body is not valid JSON: %s", syntaxMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body is not valid JSON: unexpected data after the top-level object")
	}
	if _, ok := raw.(map[string]any); !ok {
		return errors.New("request body must be a JSON object")
	}
	return assign(reflect.ValueOf(v).Elem(), raw, "")
}

func syntaxMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// assign stores raw (a value from a UseNumber decode) into dst.
func assign(dst reflect.Value, raw any, path string) error {
	if raw == nil {
		return nil
	}
	switch dst.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return typeError(path, "a string")
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return typeError(path, "true or false")
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := raw.(json.Number)
		if !ok {
			return typeError(path, "an integer")
		}
		i, err := n.Int64()
		if err != nil || dst.OverflowInt(i) {
			return typeError(path, "an integer in range")
		}
		dst.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, ok := raw.(json.Number)
		if !ok {
			return typeError(path, "a number")
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || dst.OverflowFloat(f) {
			return typeError(path, "a number in range")
		}
		dst.SetFloat(f)
	case reflect.Slice:
		arr, ok := raw.([]any)
		if !ok {
			return typeError(path, "an array")
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, el := range arr {
			if err := assign(s.Index(i), el, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := assign(p.Elem(), raw, path); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return typeError(path, "an object")
		}
		return assignStruct(dst, obj, path)
	default:
		return fmt.Errorf("%s: cannot decode into %s", pathName(path), dst.Type())
	}
	return nil
}

// assignStruct fills the fields of dst (embedded structs inline) from obj.
func assignStruct(dst reflect.Value, obj map[string]any, path string) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			if err := assignStruct(dst.Field(i), obj, path); err != nil {
				return err
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		raw, ok := obj[name]
		if !ok {
			for _, k := range keys {
				if strings.EqualFold(k, name) {
					raw, ok = obj[k], true
					break
				}
			}
		}
		if !ok {
			continue
		}
		sub := name
		if path != "" {
			sub = path + "." + name
		}
		if err := assign(dst.Field(i), raw, sub); err != nil {
			return err
		}
	}
	return nil
}

func typeError(path, want string) error {
	return fmt.Errorf("%s must be %s", pathName(path), want)
}

func pathName(path string) string {
	if path == "" {
		return "request body"
	}
	return path
}
