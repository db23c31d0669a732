package stream

import "linnstream/internal/netfail"

// describeTransport says in words what a failed exchange with Stream at
// host means; wrongURL reports that the address itself looks wrong.
func describeTransport(err error, host string) (text string, wrongURL bool) {
	return netfail.Describe(err, "Stream", host)
}
