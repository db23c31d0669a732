// Command createmanifest is the CreateManifest Lambda function of the Linnworks shipping
// contract.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.Start("CreateManifestFunction") }
