package shipping

// Wire types of the Linnworks shipping-integration contract. JSON names are
// the contract's exactly (PascalCase, with its irregular spellings); response
// tags are what Linnworks reads, so they must not change.

// Result is the error envelope every response carries. ErrorMessage is null
// on success.
type Result struct {
	IsError      bool    `json:"IsError"`
	ErrorMessage *string `json:"ErrorMessage"`
}

func (r *Result) setError(msg string) {
	r.IsError = true
	r.ErrorMessage = &msg
}

// Auth is the AuthorizationToken every request but AddNewUser carries.
type Auth struct {
	AuthorizationToken string `json:"AuthorizationToken"`
}

func (a *Auth) token() string { return a.AuthorizationToken }

// ValueType is the type of a config item, serialised as a number.
type ValueType int

// Config item value types (STRING = 0 … LIST = 5).
const (
	ValueString   ValueType = 0
	ValueInt      ValueType = 1
	ValueDouble   ValueType = 2
	ValueBoolean  ValueType = 3
	ValuePassword ValueType = 4
	ValueList     ValueType = 5
)

// ListValue is one option of a LIST config item.
type ListValue struct {
	Display string `json:"Display"`
	Value   string `json:"Value"`
}

// ConfigItem is one field of a wizard stage (and of a service's settings).
type ConfigItem struct {
	ConfigItemID    string      `json:"ConfigItemId"`
	Name            string      `json:"Name"`
	Description     string      `json:"Description"`
	GroupName       string      `json:"GroupName"`
	SortOrder       int         `json:"SortOrder"`
	SelectedValue   string      `json:"SelectedValue"`
	RegExValidation *string     `json:"RegExValidation"`
	RegExError      *string     `json:"RegExError"`
	MustBeSpecified bool        `json:"MustBeSpecified"`
	ReadOnly        bool        `json:"ReadOnly"`
	ListValues      []ListValue `json:"ListValues"`
	ValueType       ValueType   `json:"ValueType"`
}

// ConfigStage is the wizard step UserConfig returns.
type ConfigStage struct {
	WizardStepDescription string       `json:"WizardStepDescription"`
	WizardStepTitle       string       `json:"WizardStepTitle"`
	ConfigItems           []ConfigItem `json:"ConfigItems"`
}

// ConfigItemValue is a value the user entered, as UpdateConfig sends it.
type ConfigItemValue struct {
	ConfigItemID  string `json:"ConfigItemId"`
	SelectedValue string `json:"SelectedValue"`
}

// AddNewUserRequest creates a profile; it carries no token.
type AddNewUserRequest struct {
	Email                     string `json:"Email"`
	LinnworksUniqueIdentifier string `json:"LinnworksUniqueIdentifier"`
	AccountName               string `json:"AccountName"`
}

// AddNewUserResponse returns the new profile's token, once.
type AddNewUserResponse struct {
	AuthorizationToken string `json:"AuthorizationToken"`
	Result
}

// UserConfigRequest asks for the current wizard stage.
type UserConfigRequest struct {
	Auth
}

// UserConfigResponse is the current wizard stage.
type UserConfigResponse struct {
	IsConfigActive        bool        `json:"IsConfigActive"`
	ConfigStatus          string      `json:"ConfigStatus"`
	ConfigStage           ConfigStage `json:"ConfigStage"`
	WizardStepDescription string      `json:"WizardStepDescription"`
	Result
}

// UpdateConfigRequest saves the values of the stage named by ConfigStatus.
type UpdateConfigRequest struct {
	Auth
	ConfigStatus string            `json:"ConfigStatus"`
	ConfigItems  []ConfigItemValue `json:"ConfigItems"`
}

// UpdateConfigResponse carries only the error envelope.
type UpdateConfigResponse struct {
	Result
}

// ConfigDeletedRequest tells that the user deleted the integration.
type ConfigDeletedRequest struct {
	Auth
}

// ConfigDeletedResponse carries only the error envelope.
type ConfigDeletedResponse struct {
	Result
}
