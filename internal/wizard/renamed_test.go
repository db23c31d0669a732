package wizard

import (
	"context"
	"maps"
	"strings"
	"testing"

	"linnstream/internal/profile"
)

func TestConfigItemIDsFitTwentyCharacters(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	defined := map[string]bool{}
	for _, it := range w.Items() {
		defined[it.ID] = true
		if len(it.ID) > 20 {
			t.Errorf("ConfigItemId %s has %d characters, more than 20", it.ID, len(it.ID))
		}
	}
	if len(formerIDs) == 0 {
		t.Fatal("no former names")
	}
	for old, cur := range formerIDs {
		if !defined[cur] || defined[old] {
			t.Errorf("former name %s → %s: the new name must be an item and the former one not", old, cur)
		}
	}
}

// formerSave turns p into what the version before the rename saved: each
// renamed setting under its former name, with a value other than its
// default so that falling back to the default would show. It returns the
// values by current name.
func formerSave(p *profile.Profile) map[string]string {
	want := map[string]string{}
	for old, cur := range formerIDs {
		v := "true"
		if defaults[cur] == "true" {
			v = "false"
		}
		delete(p.Settings, cur)
		p.Settings[old] = v
		want[cur] = v
	}
	return want
}

func TestProfileSavedWithFormerNamesKeepsEverySetting(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := walk(t, w)
	want := formerSave(p)

	// Read through Config, as the label, sync and write-back code does.
	c := Settings(p)
	got := map[string]bool{
		ItemUseCurrentDatePickup:  c.UseCurrentDateAsPickup,
		ItemSequenceIdentifiers:   c.SequenceIdentifiers,
		ItemMarkProcessedDelivery: c.MarkProcessedOnDelivered,
		ItemDispatchSyncEnabled:   c.DispatchSyncEnabled,
	}
	if len(got) != len(formerIDs) {
		t.Fatalf("the test reads %d settings; %d were renamed", len(got), len(formerIDs))
	}
	for id, v := range got {
		if (want[id] == "true") != v {
			t.Errorf("Settings: %s = %v, want %s from its former name", id, v, want[id])
		}
	}

	// Shown by UserConfig under the new names only.
	shown := map[string]string{}
	for _, f := range w.View(p).Fields {
		shown[f.Item.ID] = f.Value
		if _, former := formerIDs[f.Item.ID]; former {
			t.Errorf("UserConfig shows the former name %s", f.Item.ID)
		}
	}
	for id, v := range want {
		if shown[id] != v {
			t.Errorf("UserConfig shows %s = %q, want %q", id, shown[id], v)
		}
	}

	// Saving with the new names keeps what was not changed, stores the new
	// names and drops the former ones.
	before := Settings(p)
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemDispatchSyncEnabled, "false")); err != nil {
		t.Fatal(err)
	}
	after := Settings(p)
	before.DispatchSyncEnabled = false
	if after != before {
		t.Errorf("after UpdateConfig:\n%+v\nwant\n%+v", after, before)
	}
	for old, cur := range formerIDs {
		if _, ok := p.Settings[old]; ok {
			t.Errorf("former name %s still stored", old)
		}
		wantV := want[cur]
		if cur == ItemDispatchSyncEnabled {
			wantV = "false"
		}
		if p.Settings[cur] != wantV {
			t.Errorf("stored %s = %q, want %q", cur, p.Settings[cur], wantV)
		}
	}
}

// A Linnworks page loaded before the rename sends the former names back.
func TestUpdateConfigAcceptsFormerNames(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := walk(t, w)
	formerSave(p)
	if err := w.Apply(context.Background(), p, StageConfig, vals("USE_CURRENT_DATE_AS_PICKUP", "true", "DISPATCH_SYNC_ENABLED", "false")); err != nil {
		t.Fatal(err)
	}
	if p.Settings[ItemUseCurrentDatePickup] != "true" || p.Settings[ItemDispatchSyncEnabled] != "false" {
		t.Errorf("settings %v", p.Settings)
	}
	if _, ok := p.Settings["USE_CURRENT_DATE_AS_PICKUP"]; ok {
		t.Error("the former name is still stored")
	}

	// The former and the new name together are one item given twice.
	saved := maps.Clone(p.Settings)
	err := w.Apply(context.Background(), p, StageConfig, vals("MARK_PROCESSED_ON_DELIVERED", "true", ItemMarkProcessedDelivery, "false"))
	if err == nil || !strings.Contains(err.Error(), "ConfigItemId listed more than once: "+ItemMarkProcessedDelivery) {
		t.Errorf("err = %v", err)
	}
	if !maps.Equal(p.Settings, saved) {
		t.Errorf("a refused update changed the settings: %v", p.Settings)
	}
}

// Where both names are stored (a save by the former version after one by
// this one), the current name is read.
func TestCurrentNameWinsOverFormer(t *testing.T) {
	p := newProfile()
	p.Settings["DISPATCH_SYNC_ENABLED"] = "true"
	p.Settings[ItemDispatchSyncEnabled] = "false"
	if Settings(p).DispatchSyncEnabled {
		t.Error("the former name won")
	}
}
