// Command identifiers serves the images of the identifiers linnstream
// installs in Linnworks accounts (GET /identifiers/<TAG>.png).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/linnworks/badge"
)

func main() { lambda.Start(httpadapter.NewV2(badge.Handler()).ProxyWithContext) }
