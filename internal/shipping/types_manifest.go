package shipping

// Wire types of CreateManifest and PrintManifest (contract §6.9, §6.10).

// CreateManifestRequest lists the orders to file, as NumOrderIds written as
// strings.
type CreateManifestRequest struct {
	Auth
	OrderID []string `json:"OrderId"`
}

// CreateManifestResponse names the filed manifest.
type CreateManifestResponse struct {
	ManifestReference string `json:"ManifestReference"`
	Result
}

// PrintManifestRequest names a filed manifest.
type PrintManifestRequest struct {
	Auth
	ManifestReference string `json:"ManifestReference"`
}

// PrintManifestResponse is the manifest as an A4 PDF, base64 (note the
// lower-case b of PDFbase64).
type PrintManifestResponse struct {
	PDFBase64 string `json:"PDFbase64"`
	Result
}
