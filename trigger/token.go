package trigger

// PreTokenGenerationEvent is the event of the V1 pre token generation
// trigger, invoked before tokens are issued. V1 changes only the ID token.
type PreTokenGenerationEvent struct {
	Common
	// Request describes the user the tokens are for.
	Request PreTokenGenerationRequest `json:"request"`
	// Response is what the trigger may change.
	Response PreTokenGenerationResponse `json:"response"`
}

// PreTokenGenerationRequest is the request part of [PreTokenGenerationEvent].
type PreTokenGenerationRequest struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// GroupConfiguration is the user's groups and roles as they would be
	// issued.
	GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// PreTokenGenerationResponse is the response part of
// [PreTokenGenerationEvent].
type PreTokenGenerationResponse struct {
	// ClaimsOverrideDetails changes the ID token; nil changes nothing.
	ClaimsOverrideDetails *ClaimsOverrideDetails `json:"claimsOverrideDetails"`
}

// ClaimsOverrideDetails is the V1 change to the ID token.
type ClaimsOverrideDetails struct {
	// ClaimsToAddOrOverride sets ID-token claims. Locked claims (sub, iss,
	// aud, exp, cognito:username, …) cannot be set.
	ClaimsToAddOrOverride map[string]string `json:"claimsToAddOrOverride"`
	// ClaimsToSuppress removes ID-token claims; locked claims cannot be
	// removed.
	ClaimsToSuppress []string `json:"claimsToSuppress"`
	// GroupOverrideDetails replaces the groups and roles; nil keeps them.
	GroupOverrideDetails *GroupConfiguration `json:"groupOverrideDetails"`
}

// GroupConfiguration is a user's groups and IAM roles, as issued in the
// cognito:groups, cognito:roles and cognito:preferred_role claims.
type GroupConfiguration struct {
	// GroupsToOverride are group names.
	GroupsToOverride []string `json:"groupsToOverride"`
	// IAMRolesToOverride are IAM role ARNs.
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	// PreferredRole is the preferred role ARN; nil for none.
	PreferredRole *string `json:"preferredRole"`
}

func (e *PreTokenGenerationEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.GroupConfiguration = cloneGroupConfiguration(e.Request.GroupConfiguration)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	if d := e.Response.ClaimsOverrideDetails; d != nil {
		c.Response.ClaimsOverrideDetails = &ClaimsOverrideDetails{
			ClaimsToAddOrOverride: cloneStrings(d.ClaimsToAddOrOverride),
			ClaimsToSuppress:      cloneList(d.ClaimsToSuppress),
			GroupOverrideDetails:  cloneGroupConfigurationPtr(d.GroupOverrideDetails),
		}
	}
	return &c
}

func (e *PreTokenGenerationEvent) responsePtr() any { return &e.Response }

func (e *PreTokenGenerationEvent) takeResponse(from any) {
	if f, ok := from.(*PreTokenGenerationEvent); ok {
		e.Response = f.Response
	}
}

// PreTokenGenerationV2Event is the event of the V2 pre token generation
// trigger, invoked before tokens are issued. V2 changes the ID and the access
// token and the access token's scopes. Its [Common.Version] is "2".
type PreTokenGenerationV2Event struct {
	Common
	// Request describes the user and the scopes the tokens are for.
	Request PreTokenGenerationV2Request `json:"request"`
	// Response is what the trigger may change.
	Response PreTokenGenerationV2Response `json:"response"`
}

// PreTokenGenerationV2Request is the request part of
// [PreTokenGenerationV2Event].
type PreTokenGenerationV2Request struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// GroupConfiguration is the user's groups and roles as they would be
	// issued.
	GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
	// Scopes are the access token's scopes as they would be issued.
	Scopes []string `json:"scopes"`
	// ClientMetadata is the caller's ClientMetadata; omitted when empty, as
	// Cognito does for this event.
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// PreTokenGenerationV2Response is the response part of
// [PreTokenGenerationV2Event].
type PreTokenGenerationV2Response struct {
	// ClaimsAndScopeOverrideDetails changes the tokens; nil changes nothing.
	ClaimsAndScopeOverrideDetails *ClaimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
}

// ClaimsAndScopeOverrideDetails is the V2 change to the tokens.
type ClaimsAndScopeOverrideDetails struct {
	// IDTokenGeneration changes the ID token; nil changes nothing.
	IDTokenGeneration *TokenGeneration `json:"idTokenGeneration"`
	// AccessTokenGeneration changes the access token; nil changes nothing.
	AccessTokenGeneration *AccessTokenGeneration `json:"accessTokenGeneration"`
	// GroupOverrideDetails replaces the groups and roles; nil keeps them.
	GroupOverrideDetails *GroupConfiguration `json:"groupOverrideDetails"`
}

// TokenGeneration is a V2 change to the ID token's claims.
type TokenGeneration struct {
	// ClaimsToAddOrOverride sets claims; values may be any JSON value.
	// Locked claims cannot be set.
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
	// ClaimsToSuppress removes claims; locked claims cannot be removed.
	ClaimsToSuppress []string `json:"claimsToSuppress"`
}

// AccessTokenGeneration is a V2 change to the access token's claims and
// scopes.
type AccessTokenGeneration struct {
	// ClaimsToAddOrOverride sets claims; values may be any JSON value.
	// Locked claims cannot be set.
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
	// ClaimsToSuppress removes claims; locked claims cannot be removed.
	ClaimsToSuppress []string `json:"claimsToSuppress"`
	// ScopesToAdd adds scopes to the access token.
	ScopesToAdd []string `json:"scopesToAdd"`
	// ScopesToSuppress removes scopes from the access token.
	ScopesToSuppress []string `json:"scopesToSuppress"`
}

func (e *PreTokenGenerationV2Event) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.GroupConfiguration = cloneGroupConfiguration(e.Request.GroupConfiguration)
	c.Request.Scopes = cloneList(e.Request.Scopes)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	if d := e.Response.ClaimsAndScopeOverrideDetails; d != nil {
		cd := &ClaimsAndScopeOverrideDetails{
			GroupOverrideDetails: cloneGroupConfigurationPtr(d.GroupOverrideDetails),
		}
		if g := d.IDTokenGeneration; g != nil {
			cd.IDTokenGeneration = &TokenGeneration{
				ClaimsToAddOrOverride: cloneAnyMap(g.ClaimsToAddOrOverride),
				ClaimsToSuppress:      cloneList(g.ClaimsToSuppress),
			}
		}
		if g := d.AccessTokenGeneration; g != nil {
			cd.AccessTokenGeneration = &AccessTokenGeneration{
				ClaimsToAddOrOverride: cloneAnyMap(g.ClaimsToAddOrOverride),
				ClaimsToSuppress:      cloneList(g.ClaimsToSuppress),
				ScopesToAdd:           cloneList(g.ScopesToAdd),
				ScopesToSuppress:      cloneList(g.ScopesToSuppress),
			}
		}
		c.Response.ClaimsAndScopeOverrideDetails = cd
	}
	return &c
}

func (e *PreTokenGenerationV2Event) responsePtr() any { return &e.Response }

func (e *PreTokenGenerationV2Event) takeResponse(from any) {
	if f, ok := from.(*PreTokenGenerationV2Event); ok {
		e.Response = f.Response
	}
}
