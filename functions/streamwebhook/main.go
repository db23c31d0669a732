// Command streamwebhook is the Lambda function receiving Stream's webhooks
// (POST /stream/webhook/{key}); it queues write-back messages on SQS.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.Start("StreamWebhookFunction") }
