package wizard

import "linnstream/internal/profile"

// formerIDs maps each ConfigItemId that was longer than 20 characters to
// the name that replaced it. Profiles saved before the rename hold their
// settings under the former names: they are read under the new name until
// the stage holding the setting is next saved, which writes the new name and
// drops the former one. UpdateConfig also accepts a former name, for a
// Linnworks page loaded before the rename and saved after it.
//
// Entries are never removed while a stored profile may still hold the
// former name.
var formerIDs = map[string]string{
	"USE_CURRENT_DATE_AS_PICKUP":  ItemUseCurrentDatePickup,
	"STREAM_SEQUENCE_IDENTIFIERS": ItemSequenceIdentifiers,
	"MARK_PROCESSED_ON_DELIVERED": ItemMarkProcessedDelivery,
	"DISPATCH_SYNC_ENABLED":       ItemDispatchSyncEnabled,
}

// currentID returns the current name of a ConfigItemId, which is id itself
// unless id is a former name.
func currentID(id string) string {
	if cur, ok := formerIDs[id]; ok {
		return cur
	}
	return id
}

// storedSetting returns the stored value of setting id, looking under its
// former names when the current one is absent. The current name wins when
// both are stored: it is the one every save since the rename has written.
func storedSetting(p *profile.Profile, id string) (string, bool) {
	if v, ok := p.Settings[id]; ok {
		return v, true
	}
	for old, cur := range formerIDs {
		if cur == id {
			if v, ok := p.Settings[old]; ok {
				return v, true
			}
		}
	}
	return "", false
}

// forgetFormerNames removes the former names of setting id from p, once its
// value is stored under the current name.
func forgetFormerNames(p *profile.Profile, id string) {
	for old, cur := range formerIDs {
		if cur == id {
			delete(p.Settings, old)
		}
	}
}
