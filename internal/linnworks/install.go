package linnworks

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Tags of the identifiers the integration puts on orders. They never change: orders and
// filters refer to them.
const (
	TagSent  = "STREAM_SENT"  // the order was accepted by Stream
	TagError = "STREAM_ERROR" // Stream rejected the order; a note says why
)

// MaxRun and MaxSequence are the highest run and sequence numbers that have identifiers.
const (
	MaxRun      = 20
	MaxSequence = 20
)

// IdentifierKind groups the integration's identifiers.
type IdentifierKind string

// The identifier kinds.
const (
	KindSync     IdentifierKind = "sync"
	KindRun      IdentifierKind = "run"
	KindDay      IdentifierKind = "day"
	KindSequence IdentifierKind = "sequence"
)

// IdentifierSpec is one identifier the integration installs.
type IdentifierSpec struct {
	Tag   string
	Name  string // shown in Linnworks
	Kind  IdentifierKind
	Label string // short text drawn on the badge image
}

// RunTag returns the tag of run n (1..MaxRun).
func RunTag(n int) (string, bool) {
	if n < 1 || n > MaxRun {
		return "", false
	}
	return fmt.Sprintf("STREAM_RUN_%02d", n), true
}

// SequenceTag returns the tag of delivery position n (1..MaxSequence).
func SequenceTag(n int) (string, bool) {
	if n < 1 || n > MaxSequence {
		return "", false
	}
	return fmt.Sprintf("STREAM_SEQ_%02d", n), true
}

// DayTag returns the tag of a delivery day.
func DayTag(d time.Weekday) string {
	return "STREAM_DAY_" + strings.ToUpper(d.String())
}

// weekdays in the order the guide lists them (Monday first).
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// StandardIdentifiers returns every identifier the integration installs, in a stable order:
// "Sent to Stream", "Error from Stream", RUN 01–RUN 20, MONDAY–SUNDAY, SEQ 01–SEQ 20.
func StandardIdentifiers() []IdentifierSpec {
	out := []IdentifierSpec{
		{Tag: TagSent, Name: "Sent to Stream", Kind: KindSync, Label: "SENT"},
		{Tag: TagError, Name: "Error from Stream", Kind: KindSync, Label: "ERROR"},
	}
	for n := 1; n <= MaxRun; n++ {
		tag, _ := RunTag(n)
		name := fmt.Sprintf("RUN %02d", n)
		out = append(out, IdentifierSpec{Tag: tag, Name: name, Kind: KindRun, Label: name})
	}
	for _, d := range weekdays {
		name := strings.ToUpper(d.String())
		out = append(out, IdentifierSpec{Tag: DayTag(d), Name: name, Kind: KindDay, Label: name[:3]})
	}
	for n := 1; n <= MaxSequence; n++ {
		tag, _ := SequenceTag(n)
		name := fmt.Sprintf("SEQ %02d", n)
		out = append(out, IdentifierSpec{Tag: tag, Name: name, Kind: KindSequence, Label: name})
	}
	return out
}

// LookupIdentifier returns the installed identifier with the tag, if it is one of ours.
func LookupIdentifier(tag string) (IdentifierSpec, bool) {
	for _, s := range StandardIdentifiers() {
		if strings.EqualFold(s.Tag, tag) {
			return s, true
		}
	}
	return IdentifierSpec{}, false
}

// IdentifierImageURL is the image of an identifier: imageBaseURL + "/" + tag + ".png".
// imageBaseURL is where the badge handler is reachable, for example
// "https://abc.execute-api.eu-west-2.amazonaws.com/identifiers".
func IdentifierImageURL(imageBaseURL, tag string) string {
	return strings.TrimRight(imageBaseURL, "/") + "/" + tag + ".png"
}

// InstallResult counts what EnsureIdentifiers did.
type InstallResult struct {
	Created   int // identifiers that did not exist
	Updated   int // existing identifiers whose image URL pointed elsewhere
	Unchanged int
}

// EnsureIdentifiers creates on the account every identifier of StandardIdentifiers that is
// missing (matched by tag) and points the image of existing ones at imageBaseURL. It never
// creates a second identifier with the same tag, so running it again creates nothing.
func (c *Client) EnsureIdentifiers(ctx context.Context, token, imageBaseURL string) (InstallResult, error) {
	u, err := url.Parse(imageBaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return InstallResult{}, fmt.Errorf("install identifiers: image base URL %q is not an absolute http(s) URL", imageBaseURL)
	}
	existing, err := c.Identifiers(ctx, token)
	if err != nil {
		return InstallResult{}, fmt.Errorf("install identifiers: list: %w", err)
	}
	byTag := make(map[string]Identifier, len(existing))
	for _, id := range existing {
		byTag[strings.ToUpper(id.Tag)] = id
	}
	var res InstallResult
	for _, spec := range StandardIdentifiers() {
		img := IdentifierImageURL(imageBaseURL, spec.Tag)
		cur, ok := byTag[spec.Tag]
		switch {
		case !ok:
			saved, err := c.SaveIdentifier(ctx, token, Identifier{IsCustom: true, Tag: spec.Tag, Name: spec.Name, ImageURL: img})
			if err != nil {
				return res, fmt.Errorf("install identifiers: create %s: %w", spec.Tag, err)
			}
			byTag[spec.Tag] = saved
			res.Created++
		case cur.ImageURL != img && cur.IdentifierID != 0 && cur.IsCustom:
			cur.ImageURL = img
			cur.ImageID = ""
			if _, err := c.SaveIdentifier(ctx, token, cur); err != nil {
				return res, fmt.Errorf("install identifiers: update image of %s: %w", spec.Tag, err)
			}
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	c.log.InfoContext(ctx, "linnworks identifiers installed", "account", shortHash(token),
		"created", res.Created, "updated", res.Updated, "unchanged", res.Unchanged)
	return res, nil
}

// Install is what the configuration wizard runs when the Linnworks token is saved: it checks
// the token live (a refused token gives IsTokenRevoked) and installs the identifiers.
func (c *Client) Install(ctx context.Context, token, imageBaseURL string) (Account, InstallResult, error) {
	acct, err := c.CheckToken(ctx, token)
	if err != nil {
		return Account{}, InstallResult{}, fmt.Errorf("check linnworks token: %w", err)
	}
	res, err := c.EnsureIdentifiers(ctx, token, imageBaseURL)
	if err != nil {
		return acct, res, err
	}
	return acct, res, nil
}
