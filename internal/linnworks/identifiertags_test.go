package linnworks_test

import (
	"context"
	"strings"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
)

// Linnworks compares identifier tags without regard to case (an account may
// hold "stream_sent" from a hand-made identifier), so every lookup of ours
// must too: on an order, among our identifiers, and when installing them.
func TestIdentifierTagsCompareCaseInsensitively(t *testing.T) {
	o := linnworks.Order{}
	o.GeneralInfo.Identifiers = []linnworks.Identifier{{Tag: "stream_sent"}, {Tag: "Stream_Run_03"}}
	for tag, want := range map[string]bool{
		linnworks.TagSent:  true,
		"STREAM_RUN_03":    true,
		linnworks.TagError: false,
		"STREAM_RUN_0":     false,
	} {
		if got := o.HasIdentifier(tag); got != want {
			t.Errorf("HasIdentifier(%s) = %v on tags %v, want %v", tag, got, o.GeneralInfo.Identifiers, want)
		}
	}

	for _, s := range linnworks.StandardIdentifiers() {
		for _, tag := range []string{strings.ToLower(s.Tag), strings.ToUpper(s.Tag)} {
			if got, ok := linnworks.LookupIdentifier(tag); !ok || got != s {
				t.Errorf("LookupIdentifier(%s) = %+v, %v; want %+v", tag, got, ok, s)
			}
		}
	}
	if _, ok := linnworks.LookupIdentifier("STREAM_SENTX"); ok {
		t.Error("LookupIdentifier found a tag that is not ours")
	}
}

func TestInstallAdoptsAnIdentifierWhoseTagDiffersInCase(t *testing.T) {
	e := newSandboxEnv(t, linnworkssandbox.Options{})
	ctx := context.Background()
	const base = "https://linnstream.example/identifiers"
	lower := strings.ToLower(linnworks.TagSent)
	if _, err := e.c.SaveIdentifier(ctx, sandboxToken, linnworks.Identifier{IsCustom: true, Tag: lower, Name: "Sent to Stream",
		ImageURL: linnworks.IdentifierImageURL(base, linnworks.TagSent)}); err != nil {
		t.Fatal(err)
	}
	res, err := e.c.EnsureIdentifiers(ctx, sandboxToken, base)
	if err != nil {
		t.Fatal(err)
	}
	n := len(linnworks.StandardIdentifiers())
	if res.Created != n-1 || res.Unchanged != 1 {
		t.Fatalf("install = %+v, want %d created and %s adopted unchanged", res, n-1, lower)
	}
	ids, err := e.c.Identifiers(ctx, sandboxToken)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, id := range ids {
		if strings.EqualFold(id.Tag, linnworks.TagSent) {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d identifiers with tag %s in some case, want 1: %+v", sent, linnworks.TagSent, ids)
	}
}
