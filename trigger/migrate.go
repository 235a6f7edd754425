package trigger

// Values of [MigrateUserResponse] fields.
const (
	// FinalUserStatusConfirmed creates the migrated user confirmed.
	FinalUserStatusConfirmed = "CONFIRMED"
	// FinalUserStatusResetRequired creates the migrated user with a
	// password reset required.
	FinalUserStatusResetRequired = "RESET_REQUIRED"
	// MessageActionSuppress suppresses the welcome message.
	MessageActionSuppress = "SUPPRESS"
	// DeliveryMediumEmail is an email delivery medium.
	DeliveryMediumEmail = "EMAIL"
	// DeliveryMediumSMS is an SMS delivery medium.
	DeliveryMediumSMS = "SMS"
)

// MigrateUserEvent is the event of the user migration trigger, invoked when
// an unknown user signs in with a password or asks to reset a forgotten
// password. The trigger looks the user up in the old system and returns the
// attributes to create the user with.
//
// Request.Password is the user's plaintext password (empty for
// ForgotPassword). Never log it: the event and its request format themselves
// with the password redacted (String, Format, LogValue), but logging
// Request.Password itself, or the event's JSON, prints it.
type MigrateUserEvent struct {
	Common
	// Request carries what the user signed in with.
	Request MigrateUserRequest `json:"request"`
	// Response is the user to create.
	Response MigrateUserResponse `json:"response"`
}

// MigrateUserRequest is the request part of [MigrateUserEvent].
type MigrateUserRequest struct {
	// Password is the plaintext password the user signed in with; empty for
	// UserMigration_ForgotPassword. Secret: never log it.
	Password string `json:"password"`
	// ValidationData is the caller's ValidationData.
	ValidationData map[string]string `json:"validationData"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// MigrateUserResponse is the response part of [MigrateUserEvent].
type MigrateUserResponse struct {
	// UserAttributes are the attributes to create the user with; username
	// and sub cannot be set.
	UserAttributes map[string]string `json:"userAttributes"`
	// FinalUserStatus is [FinalUserStatusConfirmed] or
	// [FinalUserStatusResetRequired]; empty means confirmed.
	FinalUserStatus string `json:"finalUserStatus"`
	// MessageAction is [MessageActionSuppress] to send no welcome message,
	// or empty.
	MessageAction string `json:"messageAction"`
	// DesiredDeliveryMediums are [DeliveryMediumEmail] and/or
	// [DeliveryMediumSMS], for the welcome message.
	DesiredDeliveryMediums []string `json:"desiredDeliveryMediums"`
	// ForceAliasCreation moves an email or phone alias already used by
	// another user to the migrated user.
	ForceAliasCreation bool `json:"forceAliasCreation"`
	// EnableSMSMFA turns SMS MFA on for the migrated user.
	EnableSMSMFA bool `json:"enableSMSMFA"`
}

func (e *MigrateUserEvent) cloneEvent() any {
	c := *e
	c.Request.ValidationData = cloneStrings(e.Request.ValidationData)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	c.Response.UserAttributes = cloneStrings(e.Response.UserAttributes)
	c.Response.DesiredDeliveryMediums = cloneList(e.Response.DesiredDeliveryMediums)
	return &c
}

func (e *MigrateUserEvent) responsePtr() any { return &e.Response }

func (e *MigrateUserEvent) takeResponse(from any) {
	if f, ok := from.(*MigrateUserEvent); ok {
		e.Response = f.Response
	}
}
