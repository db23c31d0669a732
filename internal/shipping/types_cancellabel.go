package shipping

// CancelLabelRequest cancels the labels of one order. Current documents send
// OrderReference (a string), the 2020 PDF OrderId (an integer); both name
// the NumOrderId GenerateLabel was called with (§6.8).
type CancelLabelRequest struct {
	Auth
	OrderReference string `json:"OrderReference"`
	OrderID        int64  `json:"OrderId"`
}

// CancelLabelResponse carries only the error envelope.
type CancelLabelResponse struct {
	Result
}
