package dynamo

// SetManifestChunk makes st mark at most n orders per filing transaction,
// so a test can file a manifest in several parts from a few orders.
func SetManifestChunk(st *Shipments, n int) { st.chunk = n }
