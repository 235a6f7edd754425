package cognitoapi

// addManagementActions adds the actions that manage a pool's groups, app
// clients, resource servers, identity providers, devices, MFA and auth
// events.
func addManagementActions(m map[string]action) {
	// Groups (groups.go).
	m["CreateGroup"] = op(admin, createGroup)
	m["GetGroup"] = op(admin, getGroup)
	m["UpdateGroup"] = op(admin, updateGroup)
	m["DeleteGroup"] = op(admin, deleteGroup)
	m["ListGroups"] = op(admin, listGroups)
	m["ListUsersInGroup"] = op(admin, listUsersInGroup)
	m["AdminAddUserToGroup"] = op(admin, adminAddUserToGroup)
	m["AdminRemoveUserFromGroup"] = op(admin, adminRemoveUserFromGroup)
	m["AdminListGroupsForUser"] = op(admin, adminListGroupsForUser)

	// App clients (clients.go).
	m["CreateUserPoolClient"] = op(admin, createUserPoolClient)
	m["DescribeUserPoolClient"] = op(admin, describeUserPoolClient)
	m["UpdateUserPoolClient"] = op(admin, updateUserPoolClient)
	m["DeleteUserPoolClient"] = op(admin, deleteUserPoolClient)
	m["ListUserPoolClients"] = op(admin, listUserPoolClients)

	// Resource servers (resource_servers.go).
	m["CreateResourceServer"] = op(admin, createResourceServer)
	m["DescribeResourceServer"] = op(admin, describeResourceServer)
	m["UpdateResourceServer"] = op(admin, updateResourceServer)
	m["DeleteResourceServer"] = op(admin, deleteResourceServer)
	m["ListResourceServers"] = op(admin, listResourceServers)

	// Identity providers and linked users (identity_providers.go).
	m["CreateIdentityProvider"] = op(admin, createIdentityProvider)
	m["DescribeIdentityProvider"] = op(admin, describeIdentityProvider)
	m["UpdateIdentityProvider"] = op(admin, updateIdentityProvider)
	m["DeleteIdentityProvider"] = op(admin, deleteIdentityProvider)
	m["ListIdentityProviders"] = op(admin, listIdentityProviders)
	m["GetIdentityProviderByIdentifier"] = op(admin, getIdentityProviderByIdentifier)
	m["AdminLinkProviderForUser"] = op(admin, adminLinkProviderForUser)
	m["AdminDisableProviderForUser"] = op(admin, adminDisableProviderForUser)

	// Devices (devices.go).
	m["ConfirmDevice"] = op(public, confirmDevice)
	m["GetDevice"] = op(public, getDevice)
	m["ListDevices"] = op(public, listDevices)
	m["UpdateDeviceStatus"] = op(public, updateDeviceStatus)
	m["ForgetDevice"] = op(public, forgetDevice)
	m["AdminGetDevice"] = op(admin, adminGetDevice)
	m["AdminListDevices"] = op(admin, adminListDevices)
	m["AdminUpdateDeviceStatus"] = op(admin, adminUpdateDeviceStatus)
	m["AdminForgetDevice"] = op(admin, adminForgetDevice)

	// MFA (mfa.go).
	m["AssociateSoftwareToken"] = op(public, associateSoftwareToken)
	m["VerifySoftwareToken"] = op(public, verifySoftwareToken)
	m["SetUserMFAPreference"] = op(public, setUserMFAPreference)
	m["AdminSetUserMFAPreference"] = op(admin, adminSetUserMFAPreference)

	// Attributes (attributes.go).
	m["GetUserAttributeVerificationCode"] = op(public, getUserAttributeVerificationCode)
	m["VerifyUserAttribute"] = op(public, verifyUserAttribute)
	m["AdminDeleteUserAttributes"] = op(admin, adminDeleteUserAttributes)

	// Auth events and threat protection (auth_events.go).
	m["AdminListUserAuthEvents"] = op(admin, adminListUserAuthEvents)
	m["AdminUpdateAuthEventFeedback"] = op(admin, adminUpdateAuthEventFeedback)
	m["UpdateAuthEventFeedback"] = op(public, updateAuthEventFeedback)
	m["SetRiskConfiguration"] = op(admin, setRiskConfiguration)
	m["DescribeRiskConfiguration"] = op(admin, describeRiskConfiguration)
}
