// Command syncworker is the order sync's worker: it runs the sync jobs of
// the sync queue, one profile per job.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.StartSyncWorker() }
