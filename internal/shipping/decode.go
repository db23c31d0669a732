package shipping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth is how deeply objects and arrays may nest in a request: the
// default MaxDepth of Newtonsoft.Json (since 13.0.1). Linnworks' requests
// nest four levels at most; the bound keeps a hostile body from costing
// more than its size.
const maxDepth = 64

// decodeRequest decodes a request body into v, a pointer to a request
// struct. Every endpoint uses it (through runCall), so all of them accept
// and refuse the same shapes. Linnworks is a .NET service serialising with
// Newtonsoft.Json; the policy is to accept whatever Newtonsoft would read
// into the contract's classes, and to refuse what it refuses, unless noted.
//
// The body:
//   - may start with one UTF-8 byte-order mark, which is skipped (.NET
//     writes one wherever Encoding.UTF8 is used); a UTF-16 mark is refused,
//     the body must be UTF-8. The Content-Type header is not consulted.
//   - must be one JSON object in strict JSON (RFC 8259): the extensions of
//     Newtonsoft's reader (comments, single quotes, unquoted names, NaN) are
//     refused, as its writer never produces them.
//   - nests at most maxDepth levels.
//   - has no object, at any depth and in ignored members too, with two keys
//     that are equal ignoring ASCII case. Linnworks never sends them; a proxy
//     or log reader that keeps the first of two keys would see another
//     request than the one acted on. Case variants count because keys match
//     fields case-insensitively: "OrderId" and "orderid" would both set
//     OrderId (Newtonsoft keeps the last; encoding/json too). The message
//     names the key and where it is.
//
// Keys match field names (json tags) ignoring ASCII case only, as
// Newtonsoft's OrdinalIgnoreCase does for these ASCII names; unlike
// encoding/json, no Unicode folding lets "ſ" (long s) stand for "s".
// Unknown keys are ignored (MissingMemberHandling.Ignore).
//
// Values, by the kind of field (v's fields hold no other kinds):
//   - null, at any field: the field keeps its zero value, as if absent.
//     Newtonsoft refuses null for a non-nullable number, but which of the
//     contract's numbers are nullable in Linnworks' classes is not
//     published; a required value still fails the endpoint's own check.
//   - string: a string; a number, as the literal text sent (100234 reads
//     "100234", 1.50 reads "1.50"), as Newtonsoft's ReadAsString does;
//     true or false as "true" or "false". An object or array is refused.
//   - integer: a JSON integer in range; a string holding one, with optional
//     sign and surrounding white space ("123", " -4 "), as .NET's
//     int.TryParse(NumberStyles.Integer) reads it. A fraction or exponent
//     (1.5, 1e3, "1.0"), any other string, true/false, an object or array is
//     refused. An empty string counts as null, as Newtonsoft reads it.
//   - number: a JSON number; a string holding a decimal number, with
//     optional sign, fraction, exponent and surrounding white space ("2.5",
//     " 1e3 "). Unlike Newtonsoft's decimal reading, group separators
//     ("1,234.5") are refused: "1,5" meant as a decimal comma would read as
//     15. Non-finite values, true/false, objects and arrays are refused; an
//     empty string counts as null.
//   - bool: true or false; a string "true" or "false" in any case with
//     surrounding white space (bool.TryParse); a number, non-zero being
//     true (Convert.ToBoolean). Other strings, objects and arrays are
//     refused; an empty string counts as null.
//   - array: an array whose elements follow these rules; a single value
//     where an array belongs is refused, as Newtonsoft does.
//   - object: an object.
//
// Refusals name the field by its path (ConfigItems[2].SelectedValue must
// be a string). They repeat no value sent, at most 40 characters of a key
// and 120 of a path.
// The message of the returned error is meant for the caller. On an error v
// may be partly filled; the caller discards it.
func decodeRequest(body []byte, v any) error {
	var base int64
	switch {
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		body = body[3:]
		base = 3
	case bytes.HasPrefix(body, []byte("\xfe\xff")), bytes.HasPrefix(body, []byte("\xff\xfe")):
		return errors.New("request body must be UTF-8; it starts with a UTF-16 byte-order mark")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("request body is empty; a JSON object is expected")
	}
	// A first pass checks the syntax, so that messages give offsets from
	// the body's first byte; the second reads the checked value key by key.
	dec := json.NewDecoder(bytes.NewReader(body))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return syntaxFailure(err, base)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body is not valid JSON: unexpected data after the top-level object")
	}
	if value[0] != '{' {
		return errors.New("request body must be a JSON object")
	}
	ps := &parser{dec: json.NewDecoder(bytes.NewReader(value))}
	ps.dec.UseNumber()
	if _, err := ps.token(); err != nil {
		return err
	}
	root, err := ps.object("", 1)
	if err != nil {
		return err
	}
	return assign(reflect.ValueOf(v).Elem(), root, "")
}

// object is a JSON object by key folded to ASCII lower case; parser.object
// refuses two keys that fold alike, so each folded key has one value.
type object map[string]any

// get returns the value whose key equals name ignoring ASCII case.
func (o object) get(name string) (any, bool) {
	v, ok := o[asciiLower(name)]
	return v, ok
}

// parser reads a syntax-checked value token by token, so that it sees every
// key of an object (a map would keep only one of two equal keys).
type parser struct{ dec *json.Decoder }

func (ps *parser) token() (json.Token, error) {
	t, err := ps.dec.Token()
	if err != nil {
		return nil, syntaxFailure(err, 0)
	}
	return t, nil
}

// syntaxFailure words a decoding error; base is the number of bytes skipped
// before the JSON (a byte-order mark), so offsets count from the body's
// first byte.
func syntaxFailure(err error, base int64) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("request body is not valid JSON: %s (at byte %d)", se.Error(), se.Offset+base)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("request body is not valid JSON: unexpected end of input")
	}
	return fmt.Errorf("request body is not valid JSON: %s", err.Error())
}

// value reads the value that starts with tok: nil, bool, string,
// json.Number, []any or object.
func (ps *parser) value(tok json.Token, path string, depth int) (any, error) {
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("request body nests objects and arrays more than %d levels deep", maxDepth)
	}
	if d == '{' {
		return ps.object(path, depth)
	}
	var arr []any
	for i := 0; ; i++ {
		t, err := ps.token()
		if err != nil {
			return nil, err
		}
		if t == json.Delim(']') {
			if arr == nil {
				arr = []any{}
			}
			return arr, nil
		}
		el, err := ps.value(t, fmt.Sprintf("%s[%d]", path, i), depth+1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, el)
	}
}

// object reads the members of an object whose '{' was read, refusing keys
// equal ignoring ASCII case.
func (ps *parser) object(path string, depth int) (object, error) {
	obj := object{}
	// seen holds each key as sent, by its folded form, for the message.
	seen := map[string]string{}
	for {
		t, err := ps.token()
		if err != nil {
			return nil, err
		}
		if t == json.Delim('}') {
			return obj, nil
		}
		key := t.(string) // the decoder yields only string keys here
		folded := asciiLower(key)
		if first, dup := seen[folded]; dup {
			if first == key {
				return nil, fmt.Errorf("duplicate key %s in %s; each key may appear once", quoteClip(key), pathName(path))
			}
			return nil, fmt.Errorf("duplicate key %s in %s: %s is the same key in another case; each key may appear once",
				quoteClip(key), pathName(path), quoteClip(first))
		}
		seen[folded] = key
		t, err = ps.token()
		if err != nil {
			return nil, err
		}
		val, err := ps.value(t, joinPath(path, clipKey(key)), depth+1)
		if err != nil {
			return nil, err
		}
		obj[folded] = val
	}
}

// assign stores raw (a parsed value) into dst, following decodeRequest's
// rules.
func assign(dst reflect.Value, raw any, path string) error {
	if raw == nil {
		return nil
	}
	switch dst.Kind() {
	case reflect.String:
		switch r := raw.(type) {
		case string:
			dst.SetString(r)
		case json.Number:
			dst.SetString(r.String())
		case bool:
			dst.SetString(strconv.FormatBool(r))
		default:
			return typeError(path, "a string")
		}
	case reflect.Bool:
		switch r := raw.(type) {
		case bool:
			dst.SetBool(r)
		case json.Number:
			f, err := strconv.ParseFloat(r.String(), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return typeError(path, "true or false")
			}
			dst.SetBool(f != 0)
		case string:
			s := strings.Trim(r, dotnetSpace+"\x00")
			switch {
			case s == "":
			case strings.EqualFold(s, "true"):
				dst.SetBool(true)
			case strings.EqualFold(s, "false"):
				dst.SetBool(false)
			default:
				return typeError(path, "true or false")
			}
		default:
			return typeError(path, "true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var text string
		switch r := raw.(type) {
		case json.Number:
			text = r.String()
		case string:
			text = strings.Trim(r, dotnetSpace)
			if r == "" {
				return nil
			}
			if !intText.MatchString(text) {
				return typeError(path, "an integer")
			}
		default:
			return typeError(path, "an integer")
		}
		i, err := strconv.ParseInt(text, 10, 64)
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrSyntax {
			return typeError(path, "an integer")
		}
		if err != nil || dst.OverflowInt(i) {
			return typeError(path, "an integer in range")
		}
		dst.SetInt(i)
	case reflect.Float32, reflect.Float64:
		var text string
		switch r := raw.(type) {
		case json.Number:
			text = r.String()
		case string:
			text = strings.Trim(r, dotnetSpace)
			if r == "" {
				return nil
			}
			if !numberText.MatchString(text) {
				return typeError(path, "a number")
			}
		default:
			return typeError(path, "a number")
		}
		f, err := strconv.ParseFloat(text, 64)
		if (err != nil && !errors.Is(err, strconv.ErrRange)) || math.IsInf(f, 0) || math.IsNaN(f) || dst.OverflowFloat(f) {
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
		obj, ok := raw.(object)
		if !ok {
			return typeError(path, "an object")
		}
		return assignStruct(dst, obj, path)
	default:
		return fmt.Errorf("%s: cannot decode into %s", pathName(path), dst.Type())
	}
	return nil
}

// dotnetSpace is the white space .NET's number and boolean parsing skips
// around a value (NumberStyles.AllowLeadingWhite/AllowTrailingWhite).
const dotnetSpace = "\t\n\v\f\r "

var (
	intText    = regexp.MustCompile(`^[+-]?[0-9]+$`)
	numberText = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
)

// assignStruct fills the fields of dst (embedded structs inline) from obj.
func assignStruct(dst reflect.Value, obj object, path string) error {
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
		raw, ok := obj.get(name)
		if !ok {
			continue
		}
		if err := assign(dst.Field(i), raw, joinPath(path, name)); err != nil {
			return err
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func typeError(path, want string) error {
	return fmt.Errorf("%s must be %s", pathName(path), want)
}

// pathName names a field for a message. A path built from keys the caller
// made up (inside ignored members) is cut to its last 120 characters.
func pathName(path string) string {
	if path == "" {
		return "request body"
	}
	if r := []rune(path); len(r) > 120 {
		return "…" + string(r[len(r)-120:])
	}
	return path
}

// clipKey cuts a key to 40 characters, so that a refusal never repeats much
// of what was sent.
func clipKey(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

func quoteClip(s string) string { return strconv.Quote(clipKey(s)) }

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
