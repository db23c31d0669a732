package linnworks

import (
	"context"
	"net/http"
)

var epGetPostalServices = endpoint{http.MethodGet, "PostalServices/GetPostalServices", true}

// PostalServices lists the postal services defined on the account, with the courier services
// mapped to them.
func (c *Client) PostalServices(ctx context.Context, token string) ([]PostalService, error) {
	var out []PostalService
	if err := c.call(ctx, token, epGetPostalServices, nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}
