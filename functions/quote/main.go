// Command quote is the Quote Lambda function of the Linnworks shipping
// contract.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.Start("QuoteFunction") }
