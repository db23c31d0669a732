package linnworkssandbox

// apiHandlers maps "METHOD /path" (as the spec names the operation) to the sandbox's
// implementation. Operations of the spec that are not listed answer 501.
func apiHandlers() map[string]handler {
	return map[string]handler{
		"POST /api/Auth/AuthorizeByApplication":           authorizeByApplication,
		"POST /api/Auth/GetApplicationProfileBySecretKey": getApplicationProfileBySecretKey,

		"POST /api/Orders/GetOpenOrders":               getOpenOrders,
		"POST /api/Orders/GetAllOpenOrders":            getAllOpenOrders,
		"POST /api/Orders/GetOrdersById":               getOrdersByID,
		"POST /api/Orders/GetOrders":                   getOrders,
		"GET /api/Orders/GetOrderById":                 getOrderByID,
		"GET /api/Orders/GetOrderDetailsByNumOrderId":  getOrderDetailsByNumOrderID,
		"GET /api/Orders/GetOrderDetailsByReferenceId": getOrderDetailsByReferenceID,
		"POST /api/Orders/SetOrderGeneralInfo":         setOrderGeneralInfo,
		"POST /api/Orders/SetLabelsPrinted":            setLabelsPrinted,
		"GET /api/Orders/GetOrderNotes":                getOrderNotes,
		"POST /api/Orders/GetOrdersNotes":              getOrdersNotes,
		"POST /api/Orders/SetOrderNotes":               setOrderNotes,
		"POST /api/Orders/AddOrdersNote":               addOrdersNote,
		"GET /api/Orders/GetOrderNoteTypes":            getOrderNoteTypes,
		"POST /api/Orders/SetOrderShippingInfo":        setOrderShippingInfo,
		"POST /api/Orders/ChangeShippingMethod":        changeShippingMethod,
		"POST /api/Orders/ProcessOrder":                processOrder,
		"POST /api/Orders/ProcessOrdersInBatch":        processOrdersInBatch,
		"GET /api/Orders/GetExtendedProperties":        getExtendedProperties,
		"POST /api/Orders/SetExtendedProperties":       setExtendedProperties,
		"POST /api/Orders/AddExtendedProperties":       addExtendedProperties,

		"GET /api/Orders/GetShippingMethods": getShippingMethods,

		"POST /api/OpenOrders/GetOpenOrders":            openOrdersGetOpenOrders,
		"POST /api/OpenOrders/GetOpenOrderIds":          openOrdersGetOpenOrderIDs,
		"POST /api/OpenOrders/GetOpenOrdersDetails":     getOpenOrdersDetails,
		"GET /api/OpenOrders/GetIdentifiers":            getIdentifiers,
		"POST /api/OpenOrders/GetIdentifiersByOrderIds": getIdentifiersByOrderIDs,
		"POST /api/OpenOrders/SaveIdentifier":           saveIdentifier,
		"POST /api/OpenOrders/DeleteIdentifier":         deleteIdentifier,
		"POST /api/OpenOrders/AssignOrderIdentifier":    changeIdentifier(true),
		"POST /api/OpenOrders/UnassignOrderIdentifier":  changeIdentifier(false),

		"GET /api/PostalServices/GetPostalServices":          getPostalServices,
		"GET /api/ShippingService/GetIntegrations":           getIntegrations,
		"POST /api/ShippingService/CancelOrderShippingLabel": cancelOrderShippingLabel,
		"GET /api/Locations/GetLocation":                     getLocation,

		"GET /orders": v2GetOrders,

		"POST /api/ProcessedOrders/SearchProcessedOrders": searchProcessedOrders,
		"GET /api/ProcessedOrders/GetProcessedOrderNotes": getProcessedOrderNotes,
		"POST /api/ProcessedOrders/AddOrderNote":          addProcessedOrderNote,
	}
}
