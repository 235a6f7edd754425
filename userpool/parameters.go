package userpool

// Keys of AuthParameters, ChallengeParameters and ChallengeResponses, as
// Cognito names them (cognito.md §2). Use these instead of string literals:
// a misspelt constant does not compile, a misspelt literal is silently
// ignored.
const (
	ParamUsername           = "USERNAME"
	ParamPassword           = "PASSWORD"
	ParamNewPassword        = "NEW_PASSWORD"
	ParamSecretHash         = "SECRET_HASH"
	ParamRefreshToken       = "REFRESH_TOKEN"
	ParamDeviceKey          = "DEVICE_KEY"
	ParamPreferredChallenge = "PREFERRED_CHALLENGE"
	// ParamChallengeName starts CUSTOM_AUTH with a password step
	// ("PASSWORD_VERIFIER", or "SRP_A" as Cognito's SDKs send it).
	ParamChallengeName = "CHALLENGE_NAME"
	// ParamAnswer answers SELECT_MFA_TYPE, SELECT_CHALLENGE and
	// CUSTOM_CHALLENGE.
	ParamAnswer               = "ANSWER"
	ParamSoftwareTokenMFACode = "SOFTWARE_TOKEN_MFA_CODE"
	ParamSMSMFACode           = "SMS_MFA_CODE"
	ParamEmailOTPCode         = "EMAIL_OTP_CODE"
	ParamSMSOTPCode           = "SMS_OTP_CODE"
	// ParamUserAttributePrefix prefixes attributes given with
	// NEW_PASSWORD ("userAttributes.name").
	ParamUserAttributePrefix = "userAttributes."

	// Challenge parameters the pool sends.
	ParamUserIDForSRP            = "USER_ID_FOR_SRP"
	ParamCodeDeliveryMedium      = "CODE_DELIVERY_DELIVERY_MEDIUM"
	ParamCodeDeliveryDestination = "CODE_DELIVERY_DESTINATION"
	ParamMFAsCanSetup            = "MFAS_CAN_SETUP"
	ParamMFAsCanChoose           = "MFAS_CAN_CHOOSE"
	ParamFriendlyDeviceName      = "FRIENDLY_DEVICE_NAME"
	ParamRequiredAttributes      = "requiredAttributes"
	ParamUserAttributes          = "userAttributes"
)
