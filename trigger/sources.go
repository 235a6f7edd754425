package trigger

// Trigger sources: the values of [Common.TriggerSource]. Each constant's name
// is "Trigger" followed by the value without underscores.
const (
	// TriggerPreSignUpSignUp: PreSignUp from SignUp.
	TriggerPreSignUpSignUp = "PreSignUp_SignUp"
	// TriggerPreSignUpAdminCreateUser: PreSignUp from AdminCreateUser.
	TriggerPreSignUpAdminCreateUser = "PreSignUp_AdminCreateUser"
	// TriggerPreSignUpExternalProvider: PreSignUp for a first federated
	// sign-in.
	TriggerPreSignUpExternalProvider = "PreSignUp_ExternalProvider"

	// TriggerPostConfirmationConfirmSignUp: PostConfirmation after
	// ConfirmSignUp (or AdminConfirmSignUp).
	TriggerPostConfirmationConfirmSignUp = "PostConfirmation_ConfirmSignUp"
	// TriggerPostConfirmationConfirmForgotPassword: PostConfirmation after
	// ConfirmForgotPassword.
	TriggerPostConfirmationConfirmForgotPassword = "PostConfirmation_ConfirmForgotPassword"

	// TriggerPreAuthenticationAuthentication: PreAuthentication on sign-in.
	TriggerPreAuthenticationAuthentication = "PreAuthentication_Authentication"
	// TriggerPostAuthenticationAuthentication: PostAuthentication after
	// sign-in.
	TriggerPostAuthenticationAuthentication = "PostAuthentication_Authentication"

	// TriggerDefineAuthChallengeAuthentication: DefineAuthChallenge in
	// CUSTOM_AUTH.
	TriggerDefineAuthChallengeAuthentication = "DefineAuthChallenge_Authentication"
	// TriggerCreateAuthChallengeAuthentication: CreateAuthChallenge in
	// CUSTOM_AUTH.
	TriggerCreateAuthChallengeAuthentication = "CreateAuthChallenge_Authentication"
	// TriggerVerifyAuthChallengeResponseAuthentication:
	// VerifyAuthChallengeResponse in CUSTOM_AUTH.
	TriggerVerifyAuthChallengeResponseAuthentication = "VerifyAuthChallengeResponse_Authentication"

	// TriggerTokenGenerationHostedAuth: pre token generation on a hosted UI
	// sign-in.
	TriggerTokenGenerationHostedAuth = "TokenGeneration_HostedAuth"
	// TriggerTokenGenerationAuthentication: pre token generation at the end
	// of a sign-in.
	TriggerTokenGenerationAuthentication = "TokenGeneration_Authentication"
	// TriggerTokenGenerationNewPasswordChallenge: pre token generation after
	// a NEW_PASSWORD_REQUIRED challenge.
	TriggerTokenGenerationNewPasswordChallenge = "TokenGeneration_NewPasswordChallenge"
	// TriggerTokenGenerationAuthenticateDevice: pre token generation after
	// device authentication.
	TriggerTokenGenerationAuthenticateDevice = "TokenGeneration_AuthenticateDevice"
	// TriggerTokenGenerationRefreshTokens: pre token generation on refresh.
	TriggerTokenGenerationRefreshTokens = "TokenGeneration_RefreshTokens"
	// TriggerTokenGenerationClientCredentials: pre token generation (V3) for
	// the client credentials grant.
	TriggerTokenGenerationClientCredentials = "TokenGeneration_ClientCredentials"

	// TriggerUserMigrationAuthentication: MigrateUser on sign-in of an
	// unknown user.
	TriggerUserMigrationAuthentication = "UserMigration_Authentication"
	// TriggerUserMigrationForgotPassword: MigrateUser on ForgotPassword for
	// an unknown user.
	TriggerUserMigrationForgotPassword = "UserMigration_ForgotPassword"

	// TriggerCustomMessageSignUp: CustomMessage for the sign-up code.
	TriggerCustomMessageSignUp = "CustomMessage_SignUp"
	// TriggerCustomMessageAdminCreateUser: CustomMessage for the invitation
	// with a temporary password.
	TriggerCustomMessageAdminCreateUser = "CustomMessage_AdminCreateUser"
	// TriggerCustomMessageResendCode: CustomMessage for a resent sign-up
	// code.
	TriggerCustomMessageResendCode = "CustomMessage_ResendCode"
	// TriggerCustomMessageForgotPassword: CustomMessage for the
	// password-reset code.
	TriggerCustomMessageForgotPassword = "CustomMessage_ForgotPassword"
	// TriggerCustomMessageUpdateUserAttribute: CustomMessage for the code
	// verifying a changed email or phone number.
	TriggerCustomMessageUpdateUserAttribute = "CustomMessage_UpdateUserAttribute"
	// TriggerCustomMessageVerifyUserAttribute: CustomMessage for a requested
	// attribute verification code.
	TriggerCustomMessageVerifyUserAttribute = "CustomMessage_VerifyUserAttribute"
	// TriggerCustomMessageAuthentication: CustomMessage for an MFA or
	// sign-in code.
	TriggerCustomMessageAuthentication = "CustomMessage_Authentication"

	// TriggerCustomEmailSenderSignUp: CustomEmailSender for the sign-up code.
	TriggerCustomEmailSenderSignUp = "CustomEmailSender_SignUp"
	// TriggerCustomEmailSenderResendCode: CustomEmailSender for a resent
	// sign-up code.
	TriggerCustomEmailSenderResendCode = "CustomEmailSender_ResendCode"
	// TriggerCustomEmailSenderForgotPassword: CustomEmailSender for the
	// password-reset code.
	TriggerCustomEmailSenderForgotPassword = "CustomEmailSender_ForgotPassword"
	// TriggerCustomEmailSenderUpdateUserAttribute: CustomEmailSender for the
	// code verifying a changed attribute.
	TriggerCustomEmailSenderUpdateUserAttribute = "CustomEmailSender_UpdateUserAttribute"
	// TriggerCustomEmailSenderVerifyUserAttribute: CustomEmailSender for a
	// requested attribute verification code.
	TriggerCustomEmailSenderVerifyUserAttribute = "CustomEmailSender_VerifyUserAttribute"
	// TriggerCustomEmailSenderAdminCreateUser: CustomEmailSender for the
	// invitation with a temporary password.
	TriggerCustomEmailSenderAdminCreateUser = "CustomEmailSender_AdminCreateUser"
	// TriggerCustomEmailSenderAuthentication: CustomEmailSender for an MFA or
	// sign-in code.
	TriggerCustomEmailSenderAuthentication = "CustomEmailSender_Authentication"
	// TriggerCustomEmailSenderAccountTakeOverNotification: CustomEmailSender
	// for an account-takeover notification.
	TriggerCustomEmailSenderAccountTakeOverNotification = "CustomEmailSender_AccountTakeOverNotification"

	// TriggerCustomSMSSenderSignUp: CustomSMSSender for the sign-up code.
	TriggerCustomSMSSenderSignUp = "CustomSMSSender_SignUp"
	// TriggerCustomSMSSenderResendCode: CustomSMSSender for a resent sign-up
	// code.
	TriggerCustomSMSSenderResendCode = "CustomSMSSender_ResendCode"
	// TriggerCustomSMSSenderForgotPassword: CustomSMSSender for the
	// password-reset code.
	TriggerCustomSMSSenderForgotPassword = "CustomSMSSender_ForgotPassword"
	// TriggerCustomSMSSenderUpdateUserAttribute: CustomSMSSender for the code
	// verifying a changed attribute.
	TriggerCustomSMSSenderUpdateUserAttribute = "CustomSMSSender_UpdateUserAttribute"
	// TriggerCustomSMSSenderVerifyUserAttribute: CustomSMSSender for a
	// requested attribute verification code.
	TriggerCustomSMSSenderVerifyUserAttribute = "CustomSMSSender_VerifyUserAttribute"
	// TriggerCustomSMSSenderAdminCreateUser: CustomSMSSender for the
	// invitation with a temporary password.
	TriggerCustomSMSSenderAdminCreateUser = "CustomSMSSender_AdminCreateUser"
	// TriggerCustomSMSSenderAuthentication: CustomSMSSender for an MFA or
	// sign-in code.
	TriggerCustomSMSSenderAuthentication = "CustomSMSSender_Authentication"
	// TriggerCustomSMSSenderAccountTakeOverNotification: CustomSMSSender for
	// an account-takeover notification.
	TriggerCustomSMSSenderAccountTakeOverNotification = "CustomSMSSender_AccountTakeOverNotification"

	// TriggerInboundFederationExternalProvider: InboundFederation on a
	// federated sign-in. This package has no event type for it yet.
	TriggerInboundFederationExternalProvider = "InboundFederation_ExternalProvider"
)
