// Command syncscheduler is the order sync's scheduler: on each EventBridge
// schedule it queues one sync job per profile with order sync on.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.StartSyncScheduler() }
