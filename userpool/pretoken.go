package userpool

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/trigger"
)

// Token generation trigger sources.
const (
	sourceAuthentication       = "TokenGeneration_Authentication"
	sourceNewPasswordChallenge = "TokenGeneration_NewPasswordChallenge"
	sourceAuthenticateDevice   = "TokenGeneration_AuthenticateDevice"
	sourceRefreshTokens        = "TokenGeneration_RefreshTokens"
	sourceHostedAuth           = "TokenGeneration_HostedAuth"
)

// preTokenGeneration lets the PreTokenGeneration trigger (V2 if set, else
// V1) add, change and suppress claims, override groups and (V2) change the
// access token's scopes. Claims Cognito locks (cognito.md §5) cannot be
// touched: such an answer is InvalidLambdaResponseException.
func (p *UserPool) preTokenGeneration(ctx context.Context, source string, c *appClient, u store.User, idc *token.IDClaims, acc *token.AccessClaims) error {
	t := p.cfg.Triggers
	if t.PreTokenGenerationV2 == nil && t.PreTokenGeneration == nil {
		return nil
	}
	groups := trigger.GroupConfiguration{GroupsToOverride: slices.Clone(idc.Groups), IAMRolesToOverride: slices.Clone(idc.Roles)}
	if idc.PreferredRole != "" {
		role := idc.PreferredRole
		groups.PreferredRole = &role
	}
	if t.PreTokenGenerationV2 != nil {
		ev := &trigger.PreTokenGenerationV2Event{Common: p.triggerCommon(source, u.Username, c.ID)}
		ev.Version = "2"
		ev.Request.UserAttributes, ev.Request.GroupConfiguration = eventAttributes(u), groups
		ev.Request.Scopes, ev.Request.ClientMetadata = slices.Clone(acc.Scopes), map[string]string{}
		if err := runTrigger(ctx, p, "PreTokenGeneration", t.PreTokenGenerationV2, ev); err != nil {
			return err
		}
		d := ev.Response.ClaimsAndScopeOverrideDetails
		if d == nil {
			return nil
		}
		if d.GroupOverrideDetails != nil {
			applyGroups(idc, acc, *d.GroupOverrideDetails)
		}
		if g := d.IDTokenGeneration; g != nil {
			if err := applyIDClaims(idc, g.ClaimsToAddOrOverride, g.ClaimsToSuppress); err != nil {
				return err
			}
		}
		if g := d.AccessTokenGeneration; g != nil {
			if err := applyAccessClaims(acc, g.ClaimsToAddOrOverride, g.ClaimsToSuppress, g.ScopesToAdd, g.ScopesToSuppress); err != nil {
				return err
			}
		}
		return nil
	}
	ev := &trigger.PreTokenGenerationEvent{Common: p.triggerCommon(source, u.Username, c.ID)}
	ev.Request.UserAttributes, ev.Request.GroupConfiguration, ev.Request.ClientMetadata = eventAttributes(u), groups, map[string]string{}
	if err := runTrigger(ctx, p, "PreTokenGeneration", t.PreTokenGeneration, ev); err != nil {
		return err
	}
	d := ev.Response.ClaimsOverrideDetails
	if d == nil {
		return nil
	}
	if d.GroupOverrideDetails != nil {
		applyGroups(idc, acc, *d.GroupOverrideDetails)
	}
	add := make(map[string]any, len(d.ClaimsToAddOrOverride))
	for k, v := range d.ClaimsToAddOrOverride {
		add[k] = v
	}
	return applyIDClaims(idc, add, d.ClaimsToSuppress)
}

func badTriggerClaim(name string) error {
	return newErr(CodeInvalidLambdaResponse, "PreTokenGeneration may not change the claim "+sanitize(name)+".")
}

// checkClaimValue refuses a claim value that cannot be put in a token: a
// Go trigger may return any value, not only JSON.
func checkClaimValue(name string, v any) error {
	if _, err := json.Marshal(v); err != nil {
		return &Error{Code: CodeInvalidLambdaResponse, Message: "PreTokenGeneration returned a value for the claim " + sanitize(name) + " that is not JSON.", Err: err}
	}
	return nil
}

// lockedClaim reports claims no trigger may add, change or suppress.
func lockedClaim(name string) bool {
	return slices.Contains(token.LockedClaims(), name) || name == "token_use" || name == "client_id" || name == "scope" ||
		name == "username" || name == "device_key" || strings.HasPrefix(name, "cognito:")
}

func applyGroups(idc *token.IDClaims, acc *token.AccessClaims, g trigger.GroupConfiguration) {
	idc.Groups, acc.Groups = slices.Clone(g.GroupsToOverride), slices.Clone(g.GroupsToOverride)
	idc.Roles = slices.Clone(g.IAMRolesToOverride)
	idc.PreferredRole = ""
	if g.PreferredRole != nil {
		idc.PreferredRole = *g.PreferredRole
	}
}

// applyIDClaims adds user-attribute claims as attributes (strings) and any
// other claim as an extra claim; suppression removes either.
func applyIDClaims(idc *token.IDClaims, add map[string]any, suppress []string) error {
	for _, name := range suppress {
		if lockedClaim(name) {
			return badTriggerClaim(name)
		}
		delete(idc.Attributes, name)
		delete(idc.Extra, name)
	}
	for name, v := range add {
		if lockedClaim(name) || name == "" || len(name) > 256 {
			return badTriggerClaim(name)
		}
		if err := checkClaimValue(name, v); err != nil {
			return err
		}
		if s, ok := v.(string); ok && (standardAttributes[name] || strings.HasPrefix(name, "custom:") || strings.HasSuffix(name, "_verified")) {
			if (name == "email_verified" || name == "phone_number_verified") && !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
				return newErr(CodeInvalidLambdaResponse, "PreTokenGeneration must set "+name+" to true or false.")
			}
			if idc.Attributes == nil {
				idc.Attributes = map[string]string{}
			}
			idc.Attributes[name] = s
			continue
		}
		if idc.Extra == nil {
			idc.Extra = map[string]any{}
		}
		idc.Extra[name] = v
	}
	return nil
}

func applyAccessClaims(acc *token.AccessClaims, add map[string]any, suppress, scopesAdd, scopesSuppress []string) error {
	for _, name := range suppress {
		if lockedClaim(name) {
			return badTriggerClaim(name)
		}
		delete(acc.Extra, name)
	}
	for name, v := range add {
		if lockedClaim(name) || name == "" || len(name) > 256 {
			return badTriggerClaim(name)
		}
		if err := checkClaimValue(name, v); err != nil {
			return err
		}
		if acc.Extra == nil {
			acc.Extra = map[string]any{}
		}
		acc.Extra[name] = v
	}
	for _, s := range scopesAdd {
		if s == "" || len(s) > 256 || strings.ContainsAny(s, " \t\r\n\"\\") {
			return newErr(CodeInvalidLambdaResponse, "PreTokenGeneration returned an invalid scope.")
		}
		if !slices.Contains(acc.Scopes, s) {
			acc.Scopes = append(acc.Scopes, s)
		}
	}
	acc.Scopes = slices.DeleteFunc(acc.Scopes, func(s string) bool { return slices.Contains(scopesSuppress, s) })
	return nil
}
