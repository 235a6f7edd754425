package cognitoapi

import (
	"context"
	"maps"
	"slices"
)

// Actions lists the actions the handler serves, sorted; every other
// action of Cognito's API answers UnsupportedOperationException.
func Actions() []string { return slices.Sorted(maps.Keys(actionTable())) }

// action is one X-Amz-Target: whether it needs a signature, and how its
// body becomes a call on a pool.
type action struct {
	admin bool
	run   func(ctx context.Context, h *handler, body []byte) (any, error)
}

// op makes an action of f, which takes the decoded request W.
func op[W any](admin bool, f func(ctx context.Context, h *handler, in *W) (any, error)) action {
	return action{admin: admin, run: func(ctx context.Context, h *handler, body []byte) (any, error) {
		in := new(W)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return f(ctx, h, in)
	}}
}

const (
	public = false
	admin  = true
)

// actionTable lists every action the handler speaks. An action missing
// here answers UnsupportedOperationException.
func actionTable() map[string]action {
	m := map[string]action{
		// Sign-in (auth.go).
		"InitiateAuth":                op(public, initiateAuth),
		"RespondToAuthChallenge":      op(public, respondToAuthChallenge),
		"AdminInitiateAuth":           op(admin, adminInitiateAuth),
		"AdminRespondToAuthChallenge": op(admin, adminRespondToAuthChallenge),
		"GetTokensFromRefreshToken":   op(public, getTokensFromRefreshToken),
		"RevokeToken":                 op(public, revokeToken),

		// Sign-up and passwords (signup.go).
		"SignUp":                 op(public, signUp),
		"ConfirmSignUp":          op(public, confirmSignUp),
		"ResendConfirmationCode": op(public, resendConfirmationCode),
		"ForgotPassword":         op(public, forgotPassword),
		"ConfirmForgotPassword":  op(public, confirmForgotPassword),

		// The signed-in user (self.go).
		"GetUser":              op(public, getUser),
		"UpdateUserAttributes": op(public, updateUserAttributes),
		"ChangePassword":       op(public, changePassword),
		"DeleteUser":           op(public, deleteUser),
		"GlobalSignOut":        op(public, globalSignOut),

		// Passkeys (passkeys.go).
		"StartWebAuthnRegistration":    op(public, startWebAuthnRegistration),
		"CompleteWebAuthnRegistration": op(public, completeWebAuthnRegistration),
		"ListWebAuthnCredentials":      op(public, listWebAuthnCredentials),
		"DeleteWebAuthnCredential":     op(public, deleteWebAuthnCredential),
		"GetUserAuthFactors":           op(public, getUserAuthFactors),

		// Users, as an administrator (admin_users.go).
		"AdminCreateUser":           op(admin, adminCreateUser),
		"AdminGetUser":              op(admin, adminGetUser),
		"AdminDeleteUser":           op(admin, adminDeleteUser),
		"AdminDisableUser":          op(admin, adminDisableUser),
		"AdminEnableUser":           op(admin, adminEnableUser),
		"AdminConfirmSignUp":        op(admin, adminConfirmSignUp),
		"AdminSetUserPassword":      op(admin, adminSetUserPassword),
		"AdminResetUserPassword":    op(admin, adminResetUserPassword),
		"AdminUpdateUserAttributes": op(admin, adminUpdateUserAttributes),
		"AdminUserGlobalSignOut":    op(admin, adminUserGlobalSignOut),
		"ListUsers":                 op(admin, listUsers),

		// Pools as tools read them, and legacy settings (pools.go).
		"DescribeUserPool":       op(admin, describeUserPool),
		"ListUserPools":          op(admin, listUserPools),
		"GetUserPoolMfaConfig":   op(admin, getUserPoolMfaConfig),
		"SetUserPoolMfaConfig":   op(admin, setUserPoolMfaConfig),
		"DescribeUserPoolDomain": op(admin, describeUserPoolDomain),
		"ListTagsForResource":    op(admin, listTagsForResource),
		"TagResource":            op(admin, tagResource),
		"UntagResource":          op(admin, untagResource),
		"GetSigningCertificate":  op(admin, getSigningCertificate),
		"DeleteUserAttributes":   op(public, deleteUserAttributes),
		"SetUserSettings":        op(public, setUserSettings),
		"AdminSetUserSettings":   op(admin, adminSetUserSettings),
	}
	addManagementActions(m) // management.go
	return m
}
