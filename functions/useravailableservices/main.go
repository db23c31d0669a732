// Command useravailableservices is the UserAvailableServices Lambda function of the Linnworks shipping
// contract.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.Start("UserAvailableServicesFunction") }
