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
		body string
		want decodeOuter
		err  string
	}{
		{body: `{"AuthorizationToken":"t","Flag":true,"Items":[{"Name":"a","Count":2,"Value":1.5}],"Ptr":{"Name":"p"},"Tags":["x"]}`,
			want: decodeOuter{Auth: Auth{"t"}, Flag: true, Items: []decodeInner{{Name: "a", Count: 2, Value: 1.5}}, Ptr: &decodeInner{Name: "p"}, Tags: []string{"x"}}},
		{body: `{"authorizationtoken":"t","items":[{"name":"a"}],"Unknown":{"deep":[1,2]}}`,
			want: decodeOuter{Auth: Auth{"t"}, Items: []decodeInner{{Name: "a"}}}},
		{body: `{"AuthorizationToken":null,"Items":null,"Ptr":null,"Flag":null}`, want: decodeOuter{}},
		{body: `{"Items":[{"Name":"a"},{"Name":"b","Count":"3"}]}`, err: "Items[1].Count must be an integer"},
		{body: `{"Items":[{"Count":1.5}]}`, err: "Items[0].Count must be an integer"},
		{body: `{"Items":[{"Small":300}]}`, err: "Items[0].Small must be an integer in range"},
		{body: `{"Items":[{"Value":"1"}]}`, err: "Items[0].Value must be a number"},
		{body: `{"Items":[{"Value":1e999}]}`, err: "Items[0].Value must be a number in range"},
		{body: `{"Ptr":{"Name":false}}`, err: "Ptr.Name must be a string"},
		{body: `{"Ptr":[]}`, err: "Ptr must be an object"},
		{body: `{"Tags":[1]}`, err: "Tags[0] must be a string"},
		{body: `{"Flag":"true"}`, err: "Flag must be true or false"},
		{body: `{"Items":"x"}`, err: "Items must be an array"},
		{body: `"x"`, err: "request body must be a JSON object"},
		{body: `null`, err: "request body must be a JSON object"},
		{body: `{"a":1`, err: "request body is not valid JSON: unexpected end of input"},
		{body: `{"a":tru}`, err: "request body is not valid JSON: invalid character '}' in literal true (expecting 'e') (at byte 9)"},
		{body: " \n", err: "request body is empty"},
	}
	for _, c := range cases {
		var got decodeOuter
		err := decodeRequest([]byte(c.body), &got)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %q", c.body, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, %v; want %+v", c.body, got, err, c.want)
		}
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
