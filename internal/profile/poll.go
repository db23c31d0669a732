package profile

import "strings"

// SettingDispatchSync is the ConfigItemId of the dispatch sync switch and
// SecretLinnworksToken that of the Linnworks API token (the wizard's
// DISPATCH_SYNC and LINNWORKS_API_TOKEN). Stores index the profiles the
// dispatch poll reads (PollsDispatch), so it finds them without reading
// every profile.
const (
	SettingDispatchSync  = "DISPATCH_SYNC"
	SecretLinnworksToken = "LINNWORKS_API_TOKEN"
	// formerSettingDispatchSync is the switch's name before ConfigItemIds
	// were cut to 20 characters; profiles saved before then hold it until
	// the wizard's stage is next saved (the wizard reads it the same way).
	formerSettingDispatchSync = "DISPATCH_SYNC_ENABLED"
)

// PollsDispatch reports whether the dispatch poll should read p's Stream
// orders: the profile is configured, not uninstalled, has a Linnworks API
// token to write back with, and its dispatch sync switch is on (stored as
// the wizard stores booleans, "true").
//
// Only DISPATCH_SYNC decides; WEBHOOKS_ENABLED does not. With webhooks off
// the poll is how Stream's changes arrive; with them on it catches the
// events that never came.
func (p *Profile) PollsDispatch() bool {
	on, ok := p.Settings[SettingDispatchSync]
	if !ok {
		on = p.Settings[formerSettingDispatchSync]
	}
	return p.Active && !p.Deleted && strings.TrimSpace(on) == "true" &&
		strings.TrimSpace(p.Secrets[SecretLinnworksToken]) != ""
}
