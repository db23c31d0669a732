// Command appmanifest prints the Linnworks app manifest for a deployment:
// every endpoint URL under its current parameter name. `make manifest
// BASE_URL=https://…` runs it with the stack's ApiBaseUrl output.
package main

import (
	"flag"
	"fmt"
	"os"

	"linnstream/internal/stack"
)

func main() {
	v := stack.DefaultVendor
	base := flag.String("base", os.Getenv("BASE_URL"), "base URL of the deployed HTTP API (the ApiBaseUrl output)")
	flag.StringVar(&v.Name, "vendor", v.Name, "VendorName: unique, upper case, no spaces, at most 24 characters")
	flag.StringVar(&v.FriendlyName, "friendly", v.FriendlyName, "VendorFriendlyName")
	flag.StringVar(&v.LogoURL, "logo", os.Getenv("LOGO_URL"), "VendorLogoURL (57×57 px); omitted when empty")
	flag.Parse()
	out, err := stack.Manifest(*base, v)
	if err != nil {
		fmt.Fprintln(os.Stderr, "appmanifest:", err)
		os.Exit(2)
	}
	fmt.Println(string(out))
}
