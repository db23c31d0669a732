package wizard

import (
	"context"
	"testing"
)

// Writing vehicle details to orders is an Advanced setting, off unless the
// user turns it on.
func TestVehicleExtPropsIsAnAdvancedSettingOffByDefault(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	it := w.byID[ItemVehicleExtProps]
	if it == nil || it.Group != groupAdvanced || it.Type != Boolean || it.Default != "false" {
		t.Fatalf("item %+v, want an Advanced boolean defaulting to false", it)
	}
	p := walk(t, w)
	if Settings(p).VehicleExtProps {
		t.Fatal("a profile that never set it writes vehicle details")
	}
	shown := ""
	for _, f := range w.View(p).Fields {
		if f.ID == ItemVehicleExtProps {
			shown = f.Value
		}
	}
	if shown != "false" {
		t.Fatalf("CONFIG shows %s = %q, want false", ItemVehicleExtProps, shown)
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemVehicleExtProps, "true")); err != nil {
		t.Fatal(err)
	}
	if !Settings(p).VehicleExtProps {
		t.Fatal("turned on, it is still off")
	}
}
