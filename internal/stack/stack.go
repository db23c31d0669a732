// Package stack describes the deployed shape of linnstream: which Linnworks
// contract endpoints exist, the Lambda function and HTTP route serving each,
// and the Linnworks app manifest that points at them. The SAM template, the
// Makefile, functions/ and events/ are checked against it by tests.
package stack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Endpoint is one HTTP endpoint of linnstream as deployed: a Linnworks
// shipping-contract endpoint, or one the integration serves for itself.
type Endpoint struct {
	// Contract is the endpoint's name in the shipping-integration contract,
	// or the function's own name for endpoints outside the contract.
	Contract string
	// LogicalID is the SAM logical id of the function serving it.
	LogicalID string
	// Method is the HTTP method of its routes; "" means POST.
	Method string
	// Paths are the HTTP routes that reach it; the first is canonical.
	Paths []string
	// ManifestParam is the app-manifest parameter naming its URL; "" for
	// endpoints outside the contract.
	ManifestParam string
}

// HTTPMethod is the method of the endpoint's routes.
func (e Endpoint) HTTPMethod() string {
	if e.Method == "" {
		return "POST"
	}
	return e.Method
}

// Dir is the function's folder, holding its main package.
func (e Endpoint) Dir() string {
	return "functions/" + strings.ToLower(e.Contract)
}

// Worker is a function that serves no HTTP route: it runs on a schedule or
// a queue.
type Worker struct {
	LogicalID string
	// Dir is the function's folder, holding its main package.
	Dir string
}

// Workers lists the functions outside the HTTP API: the lookback order
// sync's scheduler and worker, the write-back consumer and the dispatch poll.
var Workers = []Worker{
	{LogicalID: "SyncSchedulerFunction", Dir: "functions/syncscheduler"},
	{LogicalID: "SyncWorkerFunction", Dir: "functions/syncworker"},
	{LogicalID: "WriteBackFunction", Dir: "functions/writeback"},
	{LogicalID: "DispatchPollFunction", Dir: "functions/dispatchpoll"},
}

// Endpoints lists every endpoint linnstream serves: the contract's in
// manifest order, then its own.
var Endpoints = []Endpoint{
	{Contract: "AddNewUser", LogicalID: "AddNewUserFunction", Paths: []string{"/linnworks/AddNewUser"}, ManifestParam: "AddNewUserEndpoint"},
	{Contract: "UserConfig", LogicalID: "UserConfigFunction", Paths: []string{"/linnworks/UserConfig"}, ManifestParam: "UserConfigEndpoint"},
	{Contract: "UpdateConfig", LogicalID: "UpdateConfigFunction", Paths: []string{"/linnworks/UpdateConfig"}, ManifestParam: "UpdateConfigEndpoint"},
	// The 2020 sample manifest spells the parameter ConfigDeleteEndpoint;
	// current Linnworks docs say ConfigDeletedEndpoint. Both routes work.
	{Contract: "ConfigDeleted", LogicalID: "ConfigDeletedFunction", Paths: []string{"/linnworks/ConfigDeleted", "/linnworks/ConfigDelete"}, ManifestParam: "ConfigDeletedEndpoint"},
	{Contract: "UserAvailableServices", LogicalID: "UserAvailableServicesFunction", Paths: []string{"/linnworks/UserAvailableServices"}, ManifestParam: "UserAvailableServicesEndpoint"},
	{Contract: "GenerateLabel", LogicalID: "GenerateLabelFunction", Paths: []string{"/linnworks/GenerateLabel"}, ManifestParam: "GenerateLabelEndpoint"},
	{Contract: "CancelLabel", LogicalID: "CancelLabelFunction", Paths: []string{"/linnworks/CancelLabel"}, ManifestParam: "CancelLabelEndpoint"},
	{Contract: "CreateManifest", LogicalID: "CreateManifestFunction", Paths: []string{"/linnworks/CreateManifest"}, ManifestParam: "CreateManifest"},
	{Contract: "PrintManifest", LogicalID: "PrintManifestFunction", Paths: []string{"/linnworks/PrintManifest"}, ManifestParam: "PrintManifest"},
	{Contract: "ExtendedPropertyMapping", LogicalID: "ExtendedPropertyMappingFunction", Paths: []string{"/linnworks/ExtendedPropertyMapping"}, ManifestParam: "ExtPropertyMap"},
	{Contract: "Quote", LogicalID: "QuoteFunction", Paths: []string{"/linnworks/Quote"}, ManifestParam: "Quote"},
	// The images of the identifiers installed in Linnworks accounts.
	{Contract: "Identifiers", LogicalID: "IdentifiersFunction", Method: "GET", Paths: []string{"/identifiers/{name}"}},
	// The receiver of Stream's webhooks; {key} names the profile.
	{Contract: "StreamWebhook", LogicalID: "StreamWebhookFunction", Paths: []string{"/stream/webhook/{key}"}},
}

// Vendor identifies the integration in the Linnworks app manifest.
type Vendor struct {
	// Name is unique, upper case, without spaces, at most 24 characters.
	Name         string
	FriendlyName string
	// LogoURL is a 57×57 px image; omitted from the manifest when empty.
	LogoURL string
}

// DefaultVendor is how linnstream names itself to Linnworks.
var DefaultVendor = Vendor{Name: "LINNSTREAM", FriendlyName: "Stream"}

type manifestParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type manifestModule struct {
	Type       string          `json:"type"`
	Parameters []manifestParam `json:"parameters,omitempty"`
}

type appManifest struct {
	Modules []manifestModule `json:"modules"`
}

// Manifest returns the Linnworks app manifest (strict JSON) for a deployment
// whose HTTP API answers at baseURL.
func Manifest(baseURL string, v Vendor) ([]byte, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q must be an absolute http(s) URL", baseURL)
	}
	if n := v.Name; n == "" || len(n) > 24 || strings.ToUpper(n) != n || strings.ContainsAny(n, " \t") {
		return nil, fmt.Errorf("vendor name %q must be upper case, without spaces, 1 to 24 characters", n)
	}
	base := strings.TrimRight(baseURL, "/")
	params := []manifestParam{
		{Name: "VendorName", Value: v.Name},
		{Name: "VendorFriendlyName", Value: v.FriendlyName},
	}
	if v.LogoURL != "" {
		params = append(params, manifestParam{Name: "VendorLogoURL", Value: v.LogoURL})
	}
	for _, e := range Endpoints {
		if e.ManifestParam != "" {
			params = append(params, manifestParam{Name: e.ManifestParam, Value: base + e.Paths[0]})
		}
	}
	m := appManifest{Modules: []manifestModule{
		{Type: "ExternalApplication"},
		{Type: "ShippingIntegration", Parameters: params},
	}}
	return json.MarshalIndent(m, "", "  ")
}
