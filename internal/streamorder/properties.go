package streamorder

import "strings"

// Level says where Linnworks attaches an extended property: to the order or
// to an order item.
type Level string

// Levels of extended properties, as ExtendedPropertyMapping names them.
const (
	LevelOrder Level = "ORDER"
	LevelItem  Level = "ITEM"
)

// Target is the Stream field an extended property fills.
type Target string

// Targets of the extended properties the order builder reads.
const (
	// TargetLocationNotes is the delivery (or collection) address's
	// locationNotes: where to leave the parcel, how to find the door.
	TargetLocationNotes Target = "locationNotes"
	// TargetDriverNotes is the header's driverNotes, shown to the driver in
	// the Stream app, after the Linnworks delivery note.
	TargetDriverNotes Target = "driverNotes"
	// TargetWhat3Words is the address's what3words location.
	TargetWhat3Words Target = "what3words"
	// TargetItemNotes is an item's notes.
	TargetItemNotes Target = "notes"
)

// Property is an extended property the order builder reads.
type Property struct {
	// Name is the PropertyName Linnworks maps an extended property to and
	// sends back as its Name; matched case-insensitively.
	Name        string
	Title       string
	Description string
	Level       Level
	Target      Target
}

// properties is the one list of extended properties the builder reads;
// ExtendedPropertyMapping offers exactly these.
var properties = []Property{
	{Name: "SafePlace", Title: "Safe place", Level: LevelOrder, Target: TargetLocationNotes,
		Description: "Where the driver may leave the parcel when nobody is in; sent to Stream as the delivery address's location notes"},
	{Name: "LocationInstructions", Title: "Location instructions", Level: LevelOrder, Target: TargetLocationNotes,
		Description: "How to find the address or the entrance; sent to Stream as the delivery address's location notes"},
	{Name: "DeliveryInstructions", Title: "Delivery instructions", Level: LevelOrder, Target: TargetDriverNotes,
		Description: "Instructions for the delivery; sent to Stream as driver notes, after the order's delivery note"},
	{Name: "DriverNotes", Title: "Driver notes", Level: LevelOrder, Target: TargetDriverNotes,
		Description: "Notes for the driver; shown in the Stream driver app"},
	{Name: "What3Words", Title: "what3words address", Level: LevelOrder, Target: TargetWhat3Words,
		Description: "The what3words address of the delivery point, e.g. filled.count.soap"},
	{Name: "ItemNotes", Title: "Item notes", Level: LevelItem, Target: TargetItemNotes,
		Description: "Handling notes for an item; sent to Stream as the item's notes"},
}

// Properties returns the extended properties the order builder reads, order
// properties first. Every one reaches the Stream order; nothing else does.
func Properties() []Property {
	return append([]Property(nil), properties...)
}

// lookup returns the property of a name at a level.
func lookup(level Level, name string) (Property, bool) {
	name = strings.TrimSpace(name)
	for _, p := range properties {
		if p.Level == level && strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Property{}, false
}

// collect returns the non-empty values of the properties with target, in the
// order given, without repeats.
func collect(props []ExtendedProperty, level Level, target Target) []string {
	var out []string
	for _, ep := range props {
		p, ok := lookup(level, ep.Name)
		if !ok || p.Target != target {
			continue
		}
		v := cleanNote(ep.Value)
		if target == TargetWhat3Words {
			v = clean(ep.Value)
		}
		if v == "" || contains(out, v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}
