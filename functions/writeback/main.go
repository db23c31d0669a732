// Command writeback is the write-back consumer: it applies the messages of
// the write-back queue, bringing each Linnworks order up to date from its
// Stream order.
package main

import "linnstream/internal/awsenv"

func main() { awsenv.StartWriteBack() }
