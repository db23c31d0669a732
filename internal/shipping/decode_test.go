package shipping

import (
	"reflect"
	"strings"
	"testing"
)

type decodeInner struct {
	Name  string  `json:"Name"`
	Count int     `json:"Count"`
	Value float64 `json:"Value"`
	Small int8    `json:"Small"`
}

type decodeOuter struct {
	Auth
	Flag  bool          `json:"Flag"`
	Items []decodeInner `json:"Items"`
	Ptr   *decodeInner  `json:"Ptr"`
	Tags  []string      `json:"Tags"`
}

func TestDecodeRequest(t *testing.T) {
	cases := []struct {
		name string
		body string
		want decodeOuter
		err  string
	}{
		{name: "every kind", body: `{"AuthorizationToken":"t","Flag":true,"Items":[{"Name":"a","Count":2,"Value":1.5}],"Ptr":{"Name":"p"},"Tags":["x"]}`,
			want: decodeOuter{Auth: Auth{"t"}, Flag: true, Items: []decodeInner{{Name: "a", Count: 2, Value: 1.5}}, Ptr: &decodeInner{Name: "p"}, Tags: []string{"x"}}},
		{name: "keys in any ASCII case, unknown keys ignored", body: `{"authorizationtoken":"t","items":[{"NAME":"a"}],"Unknown":{"deep":[1,2]}}`,
			want: decodeOuter{Auth: Auth{"t"}, Items: []decodeInner{{Name: "a"}}}},
		{name: "null leaves the zero value", body: `{"AuthorizationToken":null,"Items":null,"Ptr":null,"Flag":null,"Tags":[null]}`,
			want: decodeOuter{Tags: []string{""}}},
		{name: "null inside", body: `{"Items":[{"Name":null,"Count":null,"Value":null,"Small":null}]}`, want: decodeOuter{Items: []decodeInner{{}}}},

		// A UTF-8 byte-order mark, as .NET writers put before the JSON.
		{name: "BOM", body: "\xef\xbb\xbf{\"AuthorizationToken\":\"t\"}", want: decodeOuter{Auth: Auth{"t"}}},
		{name: "BOM and white space", body: "\xef\xbb\xbf \r\n{\"Tags\":[\"x\"]}\n", want: decodeOuter{Tags: []string{"x"}}},
		{name: "BOM only", body: "\xef\xbb\xbf", err: "request body is empty"},
		{name: "two BOMs", body: "\xef\xbb\xbf\xef\xbb\xbf{}", err: "request body is not valid JSON: invalid character 'ï' looking for beginning of value (at byte 4)"},
		{name: "BOM counted in offsets", body: "\xef\xbb\xbf{\"a\":tru}", err: "request body is not valid JSON: invalid character '}' in literal true (expecting 'e') (at byte 12)"},
		{name: "UTF-16 BOM", body: "\xff\xfe{\x00}\x00", err: "request body must be UTF-8; it starts with a UTF-16 byte-order mark"},
		{name: "UTF-16 BE BOM", body: "\xfe\xff\x00{\x00}", err: "request body must be UTF-8"},

		// Strings: numbers and booleans read as their text.
		{name: "integer for a string", body: `{"AuthorizationToken":100234,"Tags":[1,-2]}`, want: decodeOuter{Auth: Auth{"100234"}, Tags: []string{"1", "-2"}}},
		{name: "number text kept", body: `{"Tags":[1.50,1e3,-0.0,12345678901234567890123]}`, want: decodeOuter{Tags: []string{"1.50", "1e3", "-0.0", "12345678901234567890123"}}},
		{name: "booleans for strings", body: `{"Ptr":{"Name":false},"Tags":[true]}`, want: decodeOuter{Ptr: &decodeInner{Name: "false"}, Tags: []string{"true"}}},
		{name: "object for a string", body: `{"Ptr":{"Name":{}}}`, err: "Ptr.Name must be a string"},
		{name: "array for a string", body: `{"AuthorizationToken":["t"]}`, err: "AuthorizationToken must be a string"},
		{name: "array in a string array", body: `{"Tags":["a",["b"]]}`, err: "Tags[1] must be a string"},

		// Integers.
		{name: "integer strings", body: `{"Items":[{"Count":"3"},{"Count":" -4 "},{"Count":"+5"},{"Count":"\t007\n"}]}`,
			want: decodeOuter{Items: []decodeInner{{Count: 3}, {Count: -4}, {Count: 5}, {Count: 7}}}},
		{name: "empty string for an integer", body: `{"Items":[{"Count":""}]}`, want: decodeOuter{Items: []decodeInner{{}}}},
		{name: "blank string for an integer", body: `{"Items":[{"Count":" "}]}`, err: "Items[0].Count must be an integer"},
		{name: "word for an integer", body: `{"Items":[{"Name":"a"},{"Name":"b","Count":"three"}]}`, err: "Items[1].Count must be an integer"},
		{name: "fraction for an integer", body: `{"Items":[{"Count":1.5}]}`, err: "Items[0].Count must be an integer"},
		{name: "exponent for an integer", body: `{"Items":[{"Count":1e3}]}`, err: "Items[0].Count must be an integer"},
		{name: "fraction string for an integer", body: `{"Items":[{"Count":"1.0"}]}`, err: "Items[0].Count must be an integer"},
		{name: "hex string for an integer", body: `{"Items":[{"Count":"0x10"}]}`, err: "Items[0].Count must be an integer"},
		{name: "group separator for an integer", body: `{"Items":[{"Count":"1,000"}]}`, err: "Items[0].Count must be an integer"},
		{name: "boolean for an integer", body: `{"Items":[{"Count":true}]}`, err: "Items[0].Count must be an integer"},
		{name: "array for an integer", body: `{"Items":[{"Count":[1]}]}`, err: "Items[0].Count must be an integer"},
		{name: "integer out of range", body: `{"Items":[{"Small":300}]}`, err: "Items[0].Small must be an integer in range"},
		{name: "integer string out of range", body: `{"Items":[{"Small":"-129"}]}`, err: "Items[0].Small must be an integer in range"},
		{name: "integer beyond int64", body: `{"Items":[{"Count":99999999999999999999}]}`, err: "Items[0].Count must be an integer in range"},

		// Numbers.
		{name: "number strings", body: `{"Items":[{"Value":"1"},{"Value":" 2.5 "},{"Value":"-1e3"},{"Value":".5"},{"Value":"+3."}]}`,
			want: decodeOuter{Items: []decodeInner{{Value: 1}, {Value: 2.5}, {Value: -1000}, {Value: 0.5}, {Value: 3}}}},
		{name: "empty string for a number", body: `{"Items":[{"Value":""}]}`, want: decodeOuter{Items: []decodeInner{{}}}},
		{name: "group separator for a number", body: `{"Items":[{"Value":"1,5"}]}`, err: "Items[0].Value must be a number"},
		{name: "NaN string", body: `{"Items":[{"Value":"NaN"}]}`, err: "Items[0].Value must be a number"},
		{name: "Infinity string", body: `{"Items":[{"Value":"Infinity"}]}`, err: "Items[0].Value must be a number"},
		{name: "hex float string", body: `{"Items":[{"Value":"0x1p3"}]}`, err: "Items[0].Value must be a number"},
		{name: "underscore string", body: `{"Items":[{"Value":"1_000"}]}`, err: "Items[0].Value must be a number"},
		{name: "boolean for a number", body: `{"Items":[{"Value":false}]}`, err: "Items[0].Value must be a number"},
		{name: "object for a number", body: `{"Items":[{"Value":{}}]}`, err: "Items[0].Value must be a number"},
		{name: "number out of range", body: `{"Items":[{"Value":1e999}]}`, err: "Items[0].Value must be a number in range"},
		{name: "number string out of range", body: `{"Items":[{"Value":"-1e999"}]}`, err: "Items[0].Value must be a number in range"},

		// Booleans.
		{name: "boolean strings", body: `{"Flag":" True "}`, want: decodeOuter{Flag: true}},
		{name: "false string", body: `{"Flag":"FALSE"}`, want: decodeOuter{Flag: false}},
		{name: "non-zero number", body: `{"Flag":2}`, want: decodeOuter{Flag: true}},
		{name: "zero", body: `{"Flag":0.0}`, want: decodeOuter{Flag: false}},
		{name: "yes for a boolean", body: `{"Flag":"yes"}`, err: "Flag must be true or false"},
		{name: "1 string for a boolean", body: `{"Flag":"1"}`, err: "Flag must be true or false"},
		{name: "array for a boolean", body: `{"Flag":[true]}`, err: "Flag must be true or false"},

		// Containers.
		{name: "object for a struct pointer", body: `{"Ptr":[]}`, err: "Ptr must be an object"},
		{name: "string for an array", body: `{"Items":"x"}`, err: "Items must be an array"},
		{name: "one object for an array", body: `{"Items":{"Name":"a"}}`, err: "Items must be an array"},
		{name: "string for an object in an array", body: `{"Items":["x"]}`, err: "Items[0] must be an object"},
		{name: "empty array", body: `{"Items":[]}`, want: decodeOuter{Items: []decodeInner{}}},

		// Duplicate keys, at any depth and in ignored members.
		{name: "duplicate top-level key", body: `{"AuthorizationToken":"a","AuthorizationToken":"b"}`,
			err: `duplicate key "AuthorizationToken" in request body; each key may appear once`},
		{name: "case-variant duplicate", body: `{"AuthorizationToken":"a","authorizationTOKEN":"b"}`,
			err: `duplicate key "authorizationTOKEN" in request body: "AuthorizationToken" is the same key in another case; each key may appear once`},
		{name: "duplicate in an array element", body: `{"Items":[{"Name":"a"},{"Count":1,"Name":"b","Name":"c"}]}`,
			err: `duplicate key "Name" in Items[1]; each key may appear once`},
		{name: "duplicate in a nested object", body: `{"Ptr":{"Value":1,"value":2}}`,
			err: `duplicate key "value" in Ptr: "Value" is the same key in another case`},
		{name: "duplicate in an ignored member", body: `{"Unknown":{"deep":[{"x":1,"x":2}]}}`,
			err: `duplicate key "x" in Unknown.deep[0]; each key may appear once`},
		{name: "duplicate ignored keys", body: `{"Other":1,"OTHER":2}`, err: `duplicate key "OTHER" in request body`},
		{name: "duplicate null", body: `{"Flag":true,"Flag":null}`, err: `duplicate key "Flag" in request body`},
		{name: "long duplicate key is clipped", body: `{"` + strings.Repeat("k", 100) + `":1,"` + strings.Repeat("k", 100) + `":2}`,
			err: `duplicate key "` + strings.Repeat("k", 40) + `…" in request body`},
		// Only ASCII letters fold: these are different keys, and none names a field.
		{name: "long s is not s", body: `{"Tagſ":["b"],"Tags":["a"],"\u212Aey":1,"key":2}`, want: decodeOuter{Tags: []string{"a"}}},

		// Depth.
		{name: "64 levels", body: `{"U":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`, want: decodeOuter{}},
		{name: "65 levels", body: `{"U":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`,
			err: "request body nests objects and arrays more than 64 levels deep"},

		// The body as a whole.
		{name: "string body", body: `"x"`, err: "request body must be a JSON object"},
		{name: "null body", body: `null`, err: "request body must be a JSON object"},
		{name: "array body", body: `[{}]`, err: "request body must be a JSON object"},
		{name: "cut short", body: `{"a":1`, err: "request body is not valid JSON: unexpected end of input"},
		{name: "bad literal", body: `{"a":tru}`, err: "request body is not valid JSON: invalid character '}' in literal true (expecting 'e') (at byte 9)"},
		{name: "comment", body: `{/* c */"a":1}`, err: "request body is not valid JSON: invalid character '/'"},
		{name: "single quotes", body: `{'a':1}`, err: "request body is not valid JSON: invalid character '\\''"},
		{name: "trailing comma", body: `{"a":1,}`, err: "request body is not valid JSON: invalid character '}'"},
		{name: "NaN literal", body: `{"Items":[{"Value":NaN}]}`, err: "request body is not valid JSON: invalid character 'N'"},
		{name: "trailing data", body: `{} {}`, err: "request body is not valid JSON: unexpected data after the top-level object"},
		{name: "blank", body: " \n", err: "request body is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got decodeOuter
			err := decodeRequest([]byte(c.body), &got)
			if c.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.err) {
					t.Errorf("%s: err = %v, want %q", c.body, err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: got %+v, %v; want %+v", c.body, got, err, c.want)
			}
		})
	}
}

// A path made of keys the caller chose is cut, so that a refusal does not
// repeat a large part of the body.
func TestDecodeRequestClipsPaths(t *testing.T) {
	body := `{"U":` + strings.Repeat(`{"`+strings.Repeat("k", 30)+`":`, 20) + `{"d":1,"d":2}` + strings.Repeat("}", 20) + `}`
	err := decodeRequest([]byte(body), &decodeOuter{})
	if err == nil {
		t.Fatal("duplicate accepted")
	}
	if n := len([]rune(err.Error())); n > 200 || !strings.Contains(err.Error(), `duplicate key "d" in …`) {
		t.Errorf("message of %d characters: %s", n, err)
	}
}

func TestCanonicalToken(t *testing.T) {
	const c = "c11c8f63-b362-4548-9af6-b76914afb0cb"
	for in, want := range map[string]string{
		c:                                      c,
		"C11C8F63-B362-4548-9AF6-B76914AFB0CB": c,
		"c11c8f63b36245489af6b76914afb0cb":     c,
		"{" + c + "}":                          c,
		"c11c8f63-b3624548-9af6-b76914afb0cb-": "c11c8f63-b3624548-9af6-b76914afb0cb-",
		"{" + c:                                "{" + c,
		"opaque-token":                         "opaque-token",
		"g11c8f63b36245489af6b76914afb0cb":     "g11c8f63b36245489af6b76914afb0cb",
	} {
		if got := canonicalToken(in); got != want {
			t.Errorf("canonicalToken(%q) = %q, want %q", in, got, want)
		}
	}
}
