// Command dispatchpoll is the dispatch poll: on each EventBridge schedule
// it reads the Stream orders of every profile with DISPATCH_SYNC on and
// queues a write-back for each that changed.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.StartDispatchPoll() }
