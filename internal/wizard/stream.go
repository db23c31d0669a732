package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"linnstream/internal/linnworks"
	"linnstream/internal/stream"
)

// StreamCredentials checks Stream credentials with the project's Stream
// client: a fresh token request, and, when a party other than the client ID
// is configured, a depots read, since the token request does not carry
// Stream-Party and only an API call shows whether Stream accepts it.
type StreamCredentials struct {
	// Pool, when set, builds the clients of the checks, so that a check
	// counts against the account's shared request budget.
	Pool *stream.Pool
	// Options configure each client built for a check (HTTP client,
	// back-off, logger) when there is no Pool.
	Options []stream.Option
}

var _ StreamChecker = StreamCredentials{}

// CheckCredentials implements StreamChecker. Errors carry Stream's reason
// and never the secret.
func (s StreamCredentials) CheckCredentials(ctx context.Context, baseURL, clientID, clientSecret, party string) error {
	acct := stream.Account{BaseURL: baseURL, ClientID: clientID, ClientSecret: clientSecret, Party: party}
	var c *stream.Client
	var err error
	if s.Pool != nil {
		c, err = s.Pool.Detached(acct)
	} else {
		c, err = stream.New(acct, s.Options...)
	}
	if err != nil {
		return err
	}
	if err := c.Authenticate(ctx); err != nil {
		return streamUnavailable(err)
	}
	if party != "" && party != clientID {
		if _, err := c.Depots(ctx); err != nil {
			return streamUnavailable(fmt.Errorf("check Stream-Party %q: %w", party, err))
		}
	}
	return nil
}

// streamUnavailable marks the errors that say nothing about the credentials
// (the network, a rate limit, a server fault) as ErrUnavailable. A wrong
// address (stream.ErrWrongURL: unknown host, refused connection, TLS
// failure, a page that is not Stream's API) is left as it is: trying again
// will not help, fixing STREAM_API_URL will.
func streamUnavailable(err error) error {
	var (
		ne *stream.NetworkError
		rl *stream.RateLimitError
		se *stream.StatusError
	)
	switch {
	case errors.Is(err, stream.ErrConfiguration):
		return err
	case errors.As(err, &ne), errors.As(err, &rl), errors.As(err, &se) && se.Status >= 500 && !se.Config:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// LinnworksAccount checks Linnworks API tokens and installs the integration's
// identifiers with the project's Linnworks client; their images are served
// at <public base>/identifiers/<TAG>.png.
type LinnworksAccount struct {
	Client *linnworks.Client
}

var _ LinnworksInstaller = LinnworksAccount{}

// Install implements LinnworksInstaller.
func (l LinnworksAccount) Install(ctx context.Context, token, publicBaseURL string) error {
	_, _, err := l.Client.Install(ctx, token, strings.TrimRight(publicBaseURL, "/")+IdentifierImagePath)
	if err != nil && linnworks.IsRetryable(err) && !linnworks.IsTokenRevoked(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// IdentifierImagePath is where the identifier badges are served under the
// public base URL.
const IdentifierImagePath = "/identifiers"
