package awsenv_test

import (
	"strings"
	"testing"

	"linnstream/internal/app"
	"linnstream/internal/awsenv"
)

// Without the Linnworks application (LINNWORKS_APP_ID) the write-back
// cannot change any order: the function fails its init, which Lambda
// reports, and its messages wait in the queue and then the dead-letter
// queue for a redrive, rather than being consumed and lost.
func TestWriteBackNeedsLinnworks(t *testing.T) {
	if _, err := awsenv.WriteBackOn(&app.Deps{}); err == nil || !strings.Contains(err.Error(), "Linnworks") {
		t.Fatalf("WriteBackOn without a Linnworks client = %v, want an error naming Linnworks", err)
	}
}
