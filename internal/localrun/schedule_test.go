package main

import (
	"strings"
	"testing"
	"time"
)

// The schedule settings: unset is a minute, a Go duration of a second or
// more is taken, anything else is refused naming the setting.
func TestEverySetting(t *testing.T) {
	for _, c := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", time.Minute, true},
		{"30s", 30 * time.Second, true},
		{"2m", 2 * time.Minute, true},
		{"1s", time.Second, true},
		{"500ms", 0, false},
		{"-1m", 0, false},
		{"often", 0, false},
	} {
		t.Setenv("POLL_EVERY", c.value)
		got, err := every("POLL_EVERY")
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("POLL_EVERY=%q: %v, %v; want %v", c.value, got, err, c.want)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "POLL_EVERY")) {
			t.Errorf("POLL_EVERY=%q: %v, %v; want an error naming the setting", c.value, got, err)
		}
	}
}
