// Package awsenvtest points the Lambda functions' environment at a moto
// server, as the stack points it at AWS, for tests that build them with
// awsenv.
package awsenvtest

import (
	"path/filepath"
	"testing"

	"linnstream/internal/awsenv"
	"linnstream/internal/dynamo"
	"linnstream/internal/mototest"
	"linnstream/internal/secrets/kmssealer"
)

// Tables are the names of the tables Env made.
type Tables struct{ Profiles, Shipments string }

// Env sets, for the test, the environment the stack gives the functions:
// fresh profiles and shipments tables and a KMS key on srv, the endpoint,
// test credentials and region, and no AWS configuration files of the
// machine. Logs below ERROR are left out.
func Env(t *testing.T, srv *mototest.Server) Tables {
	t.Helper()
	tables := Tables{Profiles: mototest.ProfilesTable(t), Shipments: mototest.ShipmentsTable(t)}
	t.Setenv(dynamo.EnvProfilesTable, tables.Profiles)
	t.Setenv(dynamo.EnvShipmentsTable, tables.Shipments)
	t.Setenv(kmssealer.EnvKeyID, mototest.KMSKey(t))
	t.Setenv("AWS_ENDPOINT_URL", srv.Endpoint())
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", mototest.Region)
	t.Setenv(awsenv.EnvLogLevel, "ERROR")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return tables
}
