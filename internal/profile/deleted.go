package profile

import "time"

// MarkDeleted records that Linnworks removed the integration (ConfigDeleted)
// at now: the profile stops working at once, its secrets and the customer's
// email are erased, and storage may drop the record once keep has passed.
// Its webhook key stays (sealed, as ever) so that Stream's deliveries to it
// are told the integration was removed rather than that it never existed.
// Store it with Update.
func (p *Profile) MarkDeleted(now time.Time, keep time.Duration) {
	p.Deleted = true
	p.Email = ""
	p.Active = false
	p.Secrets = nil
	p.UpdatedAt = now
	p.ExpiresAt = now.Add(keep).Truncate(time.Second)
}
