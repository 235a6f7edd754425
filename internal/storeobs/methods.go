// One method per store.Store method that takes a context (all but Close):
// each times the call and opens a span. TestEveryMethod checks none is
// missing.

package storeobs

import (
	"context"
	"time"

	"github.com/cupola-auth/cupola/store"
)

const (
	opAddUserToGroup operation = iota
	opBeginAttempt
	opBeginAttempts
	opClaimDeliveries
	opCleanup
	opClearAttempts
	opConsumeAuthSession
	opRedeemAuthSession
	opConsumeCode
	opCreateClient
	opCreateFamily
	opCreateGroup
	opCreateIdentityProvider
	opCreateResourceServer
	opCreateUser
	opCreateUsers
	opCreateWebAuthnCredential
	opDeleteClient
	opDeleteDelivery
	opDeleteDevice
	opDeleteGroup
	opDeleteIdentityProvider
	opDeleteResourceServer
	opDeleteSetting
	opDeleteSigningKey
	opDeleteUser
	opDeleteWebAuthnCredential
	opEnqueueDelivery
	opFamilyByToken
	opFlagWebAuthnCredential
	opGetAuthEvent
	opGetClient
	opGetDevice
	opGetFamily
	opGetGroup
	opGetIdentityProvider
	opGetIdentityProviderByIdentifier
	opGetResourceServer
	opGetSetting
	opGetUser
	opGetUserByAlias
	opGetUserByUsername
	opGetWebAuthnCredential
	opListAuthEvents
	opListClients
	opListDevices
	opListGroups
	opListGroupsForUser
	opListIdentityProviders
	opListResourceServers
	opListSettings
	opListSigningKeys
	opListUsers
	opListUsersInGroup
	opListWebAuthnCredentials
	opPeekAttempt
	opPutAuthEvent
	opPutAuthSession
	opPutCode
	opPutDevice
	opPutSetting
	opPutSigningKey
	opRemoveUserFromGroup
	opRevokeFamily
	opRevokeSubjectFamilies
	opRotateRefresh
	opSetAuthEventFeedback
	opUpdateClient
	opUpdateGroup
	opUpdateIdentityProvider
	opUpdateResourceServer
	opUpdateUser
	opUseWebAuthnCredential
	numOps
)

// opNames are the operation attribute values, by operation.
var opNames = [numOps]string{
	opAddUserToGroup:                  "AddUserToGroup",
	opBeginAttempt:                    "BeginAttempt",
	opBeginAttempts:                   "BeginAttempts",
	opClaimDeliveries:                 "ClaimDeliveries",
	opCleanup:                         "Cleanup",
	opClearAttempts:                   "ClearAttempts",
	opConsumeAuthSession:              "ConsumeAuthSession",
	opRedeemAuthSession:               "RedeemAuthSession",
	opConsumeCode:                     "ConsumeCode",
	opCreateClient:                    "CreateClient",
	opCreateFamily:                    "CreateFamily",
	opCreateGroup:                     "CreateGroup",
	opCreateIdentityProvider:          "CreateIdentityProvider",
	opCreateResourceServer:            "CreateResourceServer",
	opCreateUser:                      "CreateUser",
	opCreateUsers:                     "CreateUsers",
	opCreateWebAuthnCredential:        "CreateWebAuthnCredential",
	opDeleteClient:                    "DeleteClient",
	opDeleteDelivery:                  "DeleteDelivery",
	opDeleteDevice:                    "DeleteDevice",
	opDeleteGroup:                     "DeleteGroup",
	opDeleteIdentityProvider:          "DeleteIdentityProvider",
	opDeleteResourceServer:            "DeleteResourceServer",
	opDeleteSetting:                   "DeleteSetting",
	opDeleteSigningKey:                "DeleteSigningKey",
	opDeleteUser:                      "DeleteUser",
	opDeleteWebAuthnCredential:        "DeleteWebAuthnCredential",
	opEnqueueDelivery:                 "EnqueueDelivery",
	opFamilyByToken:                   "FamilyByToken",
	opFlagWebAuthnCredential:          "FlagWebAuthnCredential",
	opGetAuthEvent:                    "GetAuthEvent",
	opGetClient:                       "GetClient",
	opGetDevice:                       "GetDevice",
	opGetFamily:                       "GetFamily",
	opGetGroup:                        "GetGroup",
	opGetIdentityProvider:             "GetIdentityProvider",
	opGetIdentityProviderByIdentifier: "GetIdentityProviderByIdentifier",
	opGetResourceServer:               "GetResourceServer",
	opGetSetting:                      "GetSetting",
	opGetUser:                         "GetUser",
	opGetUserByAlias:                  "GetUserByAlias",
	opGetUserByUsername:               "GetUserByUsername",
	opGetWebAuthnCredential:           "GetWebAuthnCredential",
	opListAuthEvents:                  "ListAuthEvents",
	opListClients:                     "ListClients",
	opListDevices:                     "ListDevices",
	opListGroups:                      "ListGroups",
	opListGroupsForUser:               "ListGroupsForUser",
	opListIdentityProviders:           "ListIdentityProviders",
	opListResourceServers:             "ListResourceServers",
	opListSettings:                    "ListSettings",
	opListSigningKeys:                 "ListSigningKeys",
	opListUsers:                       "ListUsers",
	opListUsersInGroup:                "ListUsersInGroup",
	opListWebAuthnCredentials:         "ListWebAuthnCredentials",
	opPeekAttempt:                     "PeekAttempt",
	opPutAuthEvent:                    "PutAuthEvent",
	opPutAuthSession:                  "PutAuthSession",
	opPutCode:                         "PutCode",
	opPutDevice:                       "PutDevice",
	opPutSetting:                      "PutSetting",
	opPutSigningKey:                   "PutSigningKey",
	opRemoveUserFromGroup:             "RemoveUserFromGroup",
	opRevokeFamily:                    "RevokeFamily",
	opRevokeSubjectFamilies:           "RevokeSubjectFamilies",
	opRotateRefresh:                   "RotateRefresh",
	opSetAuthEventFeedback:            "SetAuthEventFeedback",
	opUpdateClient:                    "UpdateClient",
	opUpdateGroup:                     "UpdateGroup",
	opUpdateIdentityProvider:          "UpdateIdentityProvider",
	opUpdateResourceServer:            "UpdateResourceServer",
	opUpdateUser:                      "UpdateUser",
	opUseWebAuthnCredential:           "UseWebAuthnCredential",
}

// AddUserToGroup times and traces store.Store.AddUserToGroup.
func (w *Store) AddUserToGroup(ctx context.Context, poolID, sub, group string) (err error) {
	ctx, call := w.begin(ctx, opAddUserToGroup)
	err = w.Store.AddUserToGroup(ctx, poolID, sub, group)
	call.end(ctx, err)
	return
}

// BeginAttempt times and traces store.Store.BeginAttempt.
func (w *Store) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (r0 store.Attempt, err error) {
	ctx, call := w.begin(ctx, opBeginAttempt)
	r0, err = w.Store.BeginAttempt(ctx, poolID, key, now, p)
	call.end(ctx, err)
	return
}

// RedeemAuthSession times and traces store.Store.RedeemAuthSession.
func (w *Store) RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next store.AuthSession) (r0 store.AuthSession, err error) {
	ctx, call := w.begin(ctx, opRedeemAuthSession)
	r0, err = w.Store.RedeemAuthSession(ctx, poolID, id, clientID, now, next)
	call.end(ctx, err)
	return
}

// BeginAttempts times and traces store.Store.BeginAttempts.
func (w *Store) BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...store.AttemptKey) (r0 []store.Attempt, err error) {
	ctx, call := w.begin(ctx, opBeginAttempts)
	r0, err = w.Store.BeginAttempts(ctx, poolID, now, keys...)
	call.end(ctx, err)
	return
}

// ClaimDeliveries times and traces store.Store.ClaimDeliveries.
func (w *Store) ClaimDeliveries(ctx context.Context, poolID string, now time.Time, lease time.Duration, limit int) (r0 []store.Delivery, err error) {
	ctx, call := w.begin(ctx, opClaimDeliveries)
	r0, err = w.Store.ClaimDeliveries(ctx, poolID, now, lease, limit)
	call.end(ctx, err)
	return
}

// Cleanup times and traces store.Store.Cleanup.
func (w *Store) Cleanup(ctx context.Context, poolID string, p store.CleanupParams) (r0 int, err error) {
	ctx, call := w.begin(ctx, opCleanup)
	r0, err = w.Store.Cleanup(ctx, poolID, p)
	call.end(ctx, err)
	return
}

// ClearAttempts times and traces store.Store.ClearAttempts.
func (w *Store) ClearAttempts(ctx context.Context, poolID string, keys ...string) (err error) {
	ctx, call := w.begin(ctx, opClearAttempts)
	err = w.Store.ClearAttempts(ctx, poolID, keys...)
	call.end(ctx, err)
	return
}

// ConsumeAuthSession times and traces store.Store.ConsumeAuthSession.
func (w *Store) ConsumeAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time) (r0 store.AuthSession, err error) {
	ctx, call := w.begin(ctx, opConsumeAuthSession)
	r0, err = w.Store.ConsumeAuthSession(ctx, poolID, id, clientID, now)
	call.end(ctx, err)
	return
}

// ConsumeCode times and traces store.Store.ConsumeCode.
func (w *Store) ConsumeCode(ctx context.Context, poolID, subject, purpose string, hash []byte, now time.Time, maxAttempts int) (r0 store.Code, err error) {
	ctx, call := w.begin(ctx, opConsumeCode)
	r0, err = w.Store.ConsumeCode(ctx, poolID, subject, purpose, hash, now, maxAttempts)
	call.end(ctx, err)
	return
}

// CreateClient times and traces store.Store.CreateClient.
func (w *Store) CreateClient(ctx context.Context, c store.Client) (r0 store.Client, err error) {
	ctx, call := w.begin(ctx, opCreateClient)
	r0, err = w.Store.CreateClient(ctx, c)
	call.end(ctx, err)
	return
}

// CreateFamily times and traces store.Store.CreateFamily.
func (w *Store) CreateFamily(ctx context.Context, f store.RefreshFamily, tokenHash []byte) (err error) {
	ctx, call := w.begin(ctx, opCreateFamily)
	err = w.Store.CreateFamily(ctx, f, tokenHash)
	call.end(ctx, err)
	return
}

// CreateGroup times and traces store.Store.CreateGroup.
func (w *Store) CreateGroup(ctx context.Context, g store.Group) (r0 store.Group, err error) {
	ctx, call := w.begin(ctx, opCreateGroup)
	r0, err = w.Store.CreateGroup(ctx, g)
	call.end(ctx, err)
	return
}

// CreateIdentityProvider times and traces store.Store.CreateIdentityProvider.
func (w *Store) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) (r0 store.IdentityProvider, err error) {
	ctx, call := w.begin(ctx, opCreateIdentityProvider)
	r0, err = w.Store.CreateIdentityProvider(ctx, p)
	call.end(ctx, err)
	return
}

// CreateResourceServer times and traces store.Store.CreateResourceServer.
func (w *Store) CreateResourceServer(ctx context.Context, r store.ResourceServer) (r0 store.ResourceServer, err error) {
	ctx, call := w.begin(ctx, opCreateResourceServer)
	r0, err = w.Store.CreateResourceServer(ctx, r)
	call.end(ctx, err)
	return
}

// CreateUser times and traces store.Store.CreateUser.
func (w *Store) CreateUser(ctx context.Context, u store.User) (r0 store.User, err error) {
	ctx, call := w.begin(ctx, opCreateUser)
	r0, err = w.Store.CreateUser(ctx, u)
	call.end(ctx, err)
	return
}

// CreateUsers times and traces store.Store.CreateUsers.
func (w *Store) CreateUsers(ctx context.Context, users []store.User) (r0 []error, err error) {
	ctx, call := w.begin(ctx, opCreateUsers)
	r0, err = w.Store.CreateUsers(ctx, users)
	call.end(ctx, err)
	return
}

// CreateWebAuthnCredential times and traces store.Store.CreateWebAuthnCredential.
func (w *Store) CreateWebAuthnCredential(ctx context.Context, c store.WebAuthnCredential, max int) (err error) {
	ctx, call := w.begin(ctx, opCreateWebAuthnCredential)
	err = w.Store.CreateWebAuthnCredential(ctx, c, max)
	call.end(ctx, err)
	return
}

// DeleteClient times and traces store.Store.DeleteClient.
func (w *Store) DeleteClient(ctx context.Context, poolID, id string) (err error) {
	ctx, call := w.begin(ctx, opDeleteClient)
	err = w.Store.DeleteClient(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// DeleteDelivery times and traces store.Store.DeleteDelivery.
func (w *Store) DeleteDelivery(ctx context.Context, poolID, id string) (err error) {
	ctx, call := w.begin(ctx, opDeleteDelivery)
	err = w.Store.DeleteDelivery(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// DeleteDevice times and traces store.Store.DeleteDevice.
func (w *Store) DeleteDevice(ctx context.Context, poolID, subject, key string) (err error) {
	ctx, call := w.begin(ctx, opDeleteDevice)
	err = w.Store.DeleteDevice(ctx, poolID, subject, key)
	call.end(ctx, err)
	return
}

// DeleteGroup times and traces store.Store.DeleteGroup.
func (w *Store) DeleteGroup(ctx context.Context, poolID, name string) (err error) {
	ctx, call := w.begin(ctx, opDeleteGroup)
	err = w.Store.DeleteGroup(ctx, poolID, name)
	call.end(ctx, err)
	return
}

// DeleteIdentityProvider times and traces store.Store.DeleteIdentityProvider.
func (w *Store) DeleteIdentityProvider(ctx context.Context, poolID, name string) (err error) {
	ctx, call := w.begin(ctx, opDeleteIdentityProvider)
	err = w.Store.DeleteIdentityProvider(ctx, poolID, name)
	call.end(ctx, err)
	return
}

// DeleteResourceServer times and traces store.Store.DeleteResourceServer.
func (w *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) (err error) {
	ctx, call := w.begin(ctx, opDeleteResourceServer)
	err = w.Store.DeleteResourceServer(ctx, poolID, identifier)
	call.end(ctx, err)
	return
}

// DeleteSetting times and traces store.Store.DeleteSetting.
func (w *Store) DeleteSetting(ctx context.Context, poolID, kind, scope string) (err error) {
	ctx, call := w.begin(ctx, opDeleteSetting)
	err = w.Store.DeleteSetting(ctx, poolID, kind, scope)
	call.end(ctx, err)
	return
}

// DeleteSigningKey times and traces store.Store.DeleteSigningKey.
func (w *Store) DeleteSigningKey(ctx context.Context, poolID, id string) (err error) {
	ctx, call := w.begin(ctx, opDeleteSigningKey)
	err = w.Store.DeleteSigningKey(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// DeleteUser times and traces store.Store.DeleteUser.
func (w *Store) DeleteUser(ctx context.Context, poolID, sub string) (err error) {
	ctx, call := w.begin(ctx, opDeleteUser)
	err = w.Store.DeleteUser(ctx, poolID, sub)
	call.end(ctx, err)
	return
}

// DeleteWebAuthnCredential times and traces store.Store.DeleteWebAuthnCredential.
func (w *Store) DeleteWebAuthnCredential(ctx context.Context, poolID, subject string, id []byte) (err error) {
	ctx, call := w.begin(ctx, opDeleteWebAuthnCredential)
	err = w.Store.DeleteWebAuthnCredential(ctx, poolID, subject, id)
	call.end(ctx, err)
	return
}

// EnqueueDelivery times and traces store.Store.EnqueueDelivery.
func (w *Store) EnqueueDelivery(ctx context.Context, d store.Delivery) (err error) {
	ctx, call := w.begin(ctx, opEnqueueDelivery)
	err = w.Store.EnqueueDelivery(ctx, d)
	call.end(ctx, err)
	return
}

// FamilyByToken times and traces store.Store.FamilyByToken.
func (w *Store) FamilyByToken(ctx context.Context, poolID string, tokenHash []byte) (r0 store.RefreshFamily, r1 bool, err error) {
	ctx, call := w.begin(ctx, opFamilyByToken)
	r0, r1, err = w.Store.FamilyByToken(ctx, poolID, tokenHash)
	call.end(ctx, err)
	return
}

// FlagWebAuthnCredential times and traces store.Store.FlagWebAuthnCredential.
func (w *Store) FlagWebAuthnCredential(ctx context.Context, poolID string, id []byte) (err error) {
	ctx, call := w.begin(ctx, opFlagWebAuthnCredential)
	err = w.Store.FlagWebAuthnCredential(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// GetAuthEvent times and traces store.Store.GetAuthEvent.
func (w *Store) GetAuthEvent(ctx context.Context, poolID, subject, id string) (r0 store.AuthEvent, err error) {
	ctx, call := w.begin(ctx, opGetAuthEvent)
	r0, err = w.Store.GetAuthEvent(ctx, poolID, subject, id)
	call.end(ctx, err)
	return
}

// GetClient times and traces store.Store.GetClient.
func (w *Store) GetClient(ctx context.Context, poolID, id string) (r0 store.Client, err error) {
	ctx, call := w.begin(ctx, opGetClient)
	r0, err = w.Store.GetClient(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// GetDevice times and traces store.Store.GetDevice.
func (w *Store) GetDevice(ctx context.Context, poolID, subject, key string) (r0 store.Device, err error) {
	ctx, call := w.begin(ctx, opGetDevice)
	r0, err = w.Store.GetDevice(ctx, poolID, subject, key)
	call.end(ctx, err)
	return
}

// GetFamily times and traces store.Store.GetFamily.
func (w *Store) GetFamily(ctx context.Context, poolID, id string) (r0 store.RefreshFamily, err error) {
	ctx, call := w.begin(ctx, opGetFamily)
	r0, err = w.Store.GetFamily(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// GetGroup times and traces store.Store.GetGroup.
func (w *Store) GetGroup(ctx context.Context, poolID, name string) (r0 store.Group, err error) {
	ctx, call := w.begin(ctx, opGetGroup)
	r0, err = w.Store.GetGroup(ctx, poolID, name)
	call.end(ctx, err)
	return
}

// GetIdentityProvider times and traces store.Store.GetIdentityProvider.
func (w *Store) GetIdentityProvider(ctx context.Context, poolID, name string) (r0 store.IdentityProvider, err error) {
	ctx, call := w.begin(ctx, opGetIdentityProvider)
	r0, err = w.Store.GetIdentityProvider(ctx, poolID, name)
	call.end(ctx, err)
	return
}

// GetIdentityProviderByIdentifier times and traces store.Store.GetIdentityProviderByIdentifier.
func (w *Store) GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (r0 store.IdentityProvider, err error) {
	ctx, call := w.begin(ctx, opGetIdentityProviderByIdentifier)
	r0, err = w.Store.GetIdentityProviderByIdentifier(ctx, poolID, identifier)
	call.end(ctx, err)
	return
}

// GetResourceServer times and traces store.Store.GetResourceServer.
func (w *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (r0 store.ResourceServer, err error) {
	ctx, call := w.begin(ctx, opGetResourceServer)
	r0, err = w.Store.GetResourceServer(ctx, poolID, identifier)
	call.end(ctx, err)
	return
}

// GetSetting times and traces store.Store.GetSetting.
func (w *Store) GetSetting(ctx context.Context, poolID, kind, scope string) (r0 store.Setting, err error) {
	ctx, call := w.begin(ctx, opGetSetting)
	r0, err = w.Store.GetSetting(ctx, poolID, kind, scope)
	call.end(ctx, err)
	return
}

// GetUser times and traces store.Store.GetUser.
func (w *Store) GetUser(ctx context.Context, poolID, sub string) (r0 store.User, err error) {
	ctx, call := w.begin(ctx, opGetUser)
	r0, err = w.Store.GetUser(ctx, poolID, sub)
	call.end(ctx, err)
	return
}

// GetUserByAlias times and traces store.Store.GetUserByAlias.
func (w *Store) GetUserByAlias(ctx context.Context, poolID, kind, value string) (r0 store.User, err error) {
	ctx, call := w.begin(ctx, opGetUserByAlias)
	r0, err = w.Store.GetUserByAlias(ctx, poolID, kind, value)
	call.end(ctx, err)
	return
}

// GetUserByUsername times and traces store.Store.GetUserByUsername.
func (w *Store) GetUserByUsername(ctx context.Context, poolID, usernameKey string) (r0 store.User, err error) {
	ctx, call := w.begin(ctx, opGetUserByUsername)
	r0, err = w.Store.GetUserByUsername(ctx, poolID, usernameKey)
	call.end(ctx, err)
	return
}

// GetWebAuthnCredential times and traces store.Store.GetWebAuthnCredential.
func (w *Store) GetWebAuthnCredential(ctx context.Context, poolID string, id []byte) (r0 store.WebAuthnCredential, err error) {
	ctx, call := w.begin(ctx, opGetWebAuthnCredential)
	r0, err = w.Store.GetWebAuthnCredential(ctx, poolID, id)
	call.end(ctx, err)
	return
}

// ListAuthEvents times and traces store.Store.ListAuthEvents.
func (w *Store) ListAuthEvents(ctx context.Context, poolID, subject string, beforeTime time.Time, beforeID string, limit int) (r0 []store.AuthEvent, err error) {
	ctx, call := w.begin(ctx, opListAuthEvents)
	r0, err = w.Store.ListAuthEvents(ctx, poolID, subject, beforeTime, beforeID, limit)
	call.end(ctx, err)
	return
}

// ListClients times and traces store.Store.ListClients.
func (w *Store) ListClients(ctx context.Context, poolID string) (r0 []store.Client, err error) {
	ctx, call := w.begin(ctx, opListClients)
	r0, err = w.Store.ListClients(ctx, poolID)
	call.end(ctx, err)
	return
}

// ListDevices times and traces store.Store.ListDevices.
func (w *Store) ListDevices(ctx context.Context, poolID, subject, afterKey string, limit int) (r0 []store.Device, err error) {
	ctx, call := w.begin(ctx, opListDevices)
	r0, err = w.Store.ListDevices(ctx, poolID, subject, afterKey, limit)
	call.end(ctx, err)
	return
}

// ListGroups times and traces store.Store.ListGroups.
func (w *Store) ListGroups(ctx context.Context, poolID, after string, limit int) (r0 []store.Group, err error) {
	ctx, call := w.begin(ctx, opListGroups)
	r0, err = w.Store.ListGroups(ctx, poolID, after, limit)
	call.end(ctx, err)
	return
}

// ListGroupsForUser times and traces store.Store.ListGroupsForUser.
func (w *Store) ListGroupsForUser(ctx context.Context, poolID, sub string) (r0 []store.Group, err error) {
	ctx, call := w.begin(ctx, opListGroupsForUser)
	r0, err = w.Store.ListGroupsForUser(ctx, poolID, sub)
	call.end(ctx, err)
	return
}

// ListIdentityProviders times and traces store.Store.ListIdentityProviders.
func (w *Store) ListIdentityProviders(ctx context.Context, poolID, after string, limit int) (r0 []store.IdentityProvider, err error) {
	ctx, call := w.begin(ctx, opListIdentityProviders)
	r0, err = w.Store.ListIdentityProviders(ctx, poolID, after, limit)
	call.end(ctx, err)
	return
}

// ListResourceServers times and traces store.Store.ListResourceServers.
func (w *Store) ListResourceServers(ctx context.Context, poolID string) (r0 []store.ResourceServer, err error) {
	ctx, call := w.begin(ctx, opListResourceServers)
	r0, err = w.Store.ListResourceServers(ctx, poolID)
	call.end(ctx, err)
	return
}

// ListSettings times and traces store.Store.ListSettings.
func (w *Store) ListSettings(ctx context.Context, poolID, kind string) (r0 []store.Setting, err error) {
	ctx, call := w.begin(ctx, opListSettings)
	r0, err = w.Store.ListSettings(ctx, poolID, kind)
	call.end(ctx, err)
	return
}

// ListSigningKeys times and traces store.Store.ListSigningKeys.
func (w *Store) ListSigningKeys(ctx context.Context, poolID string) (r0 []store.SigningKey, err error) {
	ctx, call := w.begin(ctx, opListSigningKeys)
	r0, err = w.Store.ListSigningKeys(ctx, poolID)
	call.end(ctx, err)
	return
}

// ListUsers times and traces store.Store.ListUsers.
func (w *Store) ListUsers(ctx context.Context, poolID string, q store.UserQuery) (r0 []store.User, err error) {
	ctx, call := w.begin(ctx, opListUsers)
	r0, err = w.Store.ListUsers(ctx, poolID, q)
	call.end(ctx, err)
	return
}

// ListUsersInGroup times and traces store.Store.ListUsersInGroup.
func (w *Store) ListUsersInGroup(ctx context.Context, poolID, group, afterSub string, limit int) (r0 []store.User, err error) {
	ctx, call := w.begin(ctx, opListUsersInGroup)
	r0, err = w.Store.ListUsersInGroup(ctx, poolID, group, afterSub, limit)
	call.end(ctx, err)
	return
}

// ListWebAuthnCredentials times and traces store.Store.ListWebAuthnCredentials.
func (w *Store) ListWebAuthnCredentials(ctx context.Context, poolID, subject string, afterID []byte, limit int) (r0 []store.WebAuthnCredential, err error) {
	ctx, call := w.begin(ctx, opListWebAuthnCredentials)
	r0, err = w.Store.ListWebAuthnCredentials(ctx, poolID, subject, afterID, limit)
	call.end(ctx, err)
	return
}

// PeekAttempt times and traces store.Store.PeekAttempt.
func (w *Store) PeekAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (r0 store.Attempt, err error) {
	ctx, call := w.begin(ctx, opPeekAttempt)
	r0, err = w.Store.PeekAttempt(ctx, poolID, key, now, p)
	call.end(ctx, err)
	return
}

// PutAuthEvent times and traces store.Store.PutAuthEvent.
func (w *Store) PutAuthEvent(ctx context.Context, e store.AuthEvent) (err error) {
	ctx, call := w.begin(ctx, opPutAuthEvent)
	err = w.Store.PutAuthEvent(ctx, e)
	call.end(ctx, err)
	return
}

// PutAuthSession times and traces store.Store.PutAuthSession.
func (w *Store) PutAuthSession(ctx context.Context, s store.AuthSession) (err error) {
	ctx, call := w.begin(ctx, opPutAuthSession)
	err = w.Store.PutAuthSession(ctx, s)
	call.end(ctx, err)
	return
}

// PutCode times and traces store.Store.PutCode.
func (w *Store) PutCode(ctx context.Context, c store.Code) (err error) {
	ctx, call := w.begin(ctx, opPutCode)
	err = w.Store.PutCode(ctx, c)
	call.end(ctx, err)
	return
}

// PutDevice times and traces store.Store.PutDevice.
func (w *Store) PutDevice(ctx context.Context, d store.Device) (err error) {
	ctx, call := w.begin(ctx, opPutDevice)
	err = w.Store.PutDevice(ctx, d)
	call.end(ctx, err)
	return
}

// PutSetting times and traces store.Store.PutSetting.
func (w *Store) PutSetting(ctx context.Context, s store.Setting) (r0 store.Setting, err error) {
	ctx, call := w.begin(ctx, opPutSetting)
	r0, err = w.Store.PutSetting(ctx, s)
	call.end(ctx, err)
	return
}

// PutSigningKey times and traces store.Store.PutSigningKey.
func (w *Store) PutSigningKey(ctx context.Context, k store.SigningKey) (err error) {
	ctx, call := w.begin(ctx, opPutSigningKey)
	err = w.Store.PutSigningKey(ctx, k)
	call.end(ctx, err)
	return
}

// RemoveUserFromGroup times and traces store.Store.RemoveUserFromGroup.
func (w *Store) RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) (err error) {
	ctx, call := w.begin(ctx, opRemoveUserFromGroup)
	err = w.Store.RemoveUserFromGroup(ctx, poolID, sub, group)
	call.end(ctx, err)
	return
}

// RevokeFamily times and traces store.Store.RevokeFamily.
func (w *Store) RevokeFamily(ctx context.Context, poolID, id string, now time.Time) (err error) {
	ctx, call := w.begin(ctx, opRevokeFamily)
	err = w.Store.RevokeFamily(ctx, poolID, id, now)
	call.end(ctx, err)
	return
}

// RevokeSubjectFamilies times and traces store.Store.RevokeSubjectFamilies.
func (w *Store) RevokeSubjectFamilies(ctx context.Context, poolID, subject string, now time.Time) (err error) {
	ctx, call := w.begin(ctx, opRevokeSubjectFamilies)
	err = w.Store.RevokeSubjectFamilies(ctx, poolID, subject, now)
	call.end(ctx, err)
	return
}

// RotateRefresh times and traces store.Store.RotateRefresh.
func (w *Store) RotateRefresh(ctx context.Context, poolID string, presented, next []byte, now time.Time, grace time.Duration) (r0 store.RefreshFamily, err error) {
	ctx, call := w.begin(ctx, opRotateRefresh)
	r0, err = w.Store.RotateRefresh(ctx, poolID, presented, next, now, grace)
	call.end(ctx, err)
	return
}

// SetAuthEventFeedback times and traces store.Store.SetAuthEventFeedback.
func (w *Store) SetAuthEventFeedback(ctx context.Context, poolID, subject, id string, f store.AuthEventFeedback) (r0 store.AuthEvent, err error) {
	ctx, call := w.begin(ctx, opSetAuthEventFeedback)
	r0, err = w.Store.SetAuthEventFeedback(ctx, poolID, subject, id, f)
	call.end(ctx, err)
	return
}

// UpdateClient times and traces store.Store.UpdateClient.
func (w *Store) UpdateClient(ctx context.Context, c store.Client) (r0 store.Client, err error) {
	ctx, call := w.begin(ctx, opUpdateClient)
	r0, err = w.Store.UpdateClient(ctx, c)
	call.end(ctx, err)
	return
}

// UpdateGroup times and traces store.Store.UpdateGroup.
func (w *Store) UpdateGroup(ctx context.Context, g store.Group) (r0 store.Group, err error) {
	ctx, call := w.begin(ctx, opUpdateGroup)
	r0, err = w.Store.UpdateGroup(ctx, g)
	call.end(ctx, err)
	return
}

// UpdateIdentityProvider times and traces store.Store.UpdateIdentityProvider.
func (w *Store) UpdateIdentityProvider(ctx context.Context, p store.IdentityProvider) (r0 store.IdentityProvider, err error) {
	ctx, call := w.begin(ctx, opUpdateIdentityProvider)
	r0, err = w.Store.UpdateIdentityProvider(ctx, p)
	call.end(ctx, err)
	return
}

// UpdateResourceServer times and traces store.Store.UpdateResourceServer.
func (w *Store) UpdateResourceServer(ctx context.Context, r store.ResourceServer) (r0 store.ResourceServer, err error) {
	ctx, call := w.begin(ctx, opUpdateResourceServer)
	r0, err = w.Store.UpdateResourceServer(ctx, r)
	call.end(ctx, err)
	return
}

// UpdateUser times and traces store.Store.UpdateUser.
func (w *Store) UpdateUser(ctx context.Context, u store.User) (r0 store.User, err error) {
	ctx, call := w.begin(ctx, opUpdateUser)
	r0, err = w.Store.UpdateUser(ctx, u)
	call.end(ctx, err)
	return
}

// UseWebAuthnCredential times and traces store.Store.UseWebAuthnCredential.
func (w *Store) UseWebAuthnCredential(ctx context.Context, poolID string, id []byte, u store.WebAuthnUse) (err error) {
	ctx, call := w.begin(ctx, opUseWebAuthnCredential)
	err = w.Store.UseWebAuthnCredential(ctx, poolID, id, u)
	call.end(ctx, err)
	return
}
