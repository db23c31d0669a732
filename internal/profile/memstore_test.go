package profile_test

import (
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
)

func TestMemStoreContract(t *testing.T) {
	profiletest.Run(t, func(t *testing.T) profile.Store { return profile.NewMemStore() })
}
