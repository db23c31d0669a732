package linnworks

// SessionWordings and SessionWorded let the external tests prove that each recognised
// session-expiry wording is needed.
var SessionWordings = sessionWordings

func SessionWorded(msg string, wordings []string) bool { return sessionWorded(msg, wordings) }
