package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// clientsCreate registers an app client for the authorization code flow.
// With -secret it is confidential, and its secret is printed once: the
// pool keeps it sealed and never shows it again.
func (a *app) clientsCreate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients create", "clients create -name N -callback URL [-callback URL...] [-logout URL...] [-scope S...] [-secret] [-o text|json]")
	name := fs.String("name", "", "the client's `name` (required)")
	var callbacks, logouts, scopes stringList
	fs.Var(&callbacks, "callback", "callback `URL` (repeat for several; https, or http on localhost)")
	fs.Var(&logouts, "logout", "sign-out `URL` (repeat for several)")
	fs.Var(&scopes, "scope", "allowed OAuth `scope` (repeat; default openid, email, profile)")
	secret := fs.Bool("secret", false, "generate a client secret (a confidential client); it is printed once")
	clientCredentials := fs.Bool("client-credentials", false, "also allow the client_credentials grant (needs -secret and a resource-server -scope)")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutput("clients create", *format); err != nil {
		return err
	}
	if *name == "" {
		return usagef("clients create: -name is required")
	}
	if len(callbacks) == 0 && !*clientCredentials {
		return usagef("clients create: at least one -callback URL is required")
	}
	if *clientCredentials && !*secret {
		return usagef("clients create: -client-credentials needs -secret")
	}
	for _, u := range append(callbacks, logouts...) {
		if err := checkRedirectURL(u); err != nil {
			return usagef("clients create: %v", err)
		}
	}
	if len(scopes) == 0 {
		scopes = stringList(devScopes)
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	cc := userpool.ClientConfig{
		ClientName:         *name,
		GenerateSecret:     *secret,
		ExplicitAuthFlows:  []string{userpool.AllowUserSRPAuth, userpool.AllowRefreshTokenAuth},
		CallbackURLs:       callbacks,
		LogoutURLs:         logouts,
		AllowedOAuthScopes: scopes,
	}
	if len(callbacks) > 0 {
		cc.AllowedOAuthFlows = append(cc.AllowedOAuthFlows, userpool.OAuthFlowCode)
	}
	if *clientCredentials {
		cc.AllowedOAuthFlows = append(cc.AllowedOAuthFlows, userpool.OAuthFlowClientCredentials)
	}
	c, err := in.pool.CreateUserPoolClient(ctx, cc)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	if *format == formatJSON {
		return a.writeJSON(struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret,omitempty"`
		}{c.ClientID, c.ClientSecret})
	}
	fmt.Fprintf(a.stdout, "client_id:     %s\n", c.ClientID)
	if c.ClientSecret != "" {
		fmt.Fprintf(a.stdout, "client_secret: %s\n", c.ClientSecret)
		fmt.Fprintln(a.stdout, "Store the secret now: it is not shown again.")
	}
	return nil
}

// clientJSON is an app client in JSON output (clients list, clients
// get), never with its secret. The field names are stable; a validity of
// 0s means the pool's.
type clientJSON struct {
	ClientID                   string     `json:"client_id"`
	Name                       string     `json:"name"`
	HasSecret                  bool       `json:"has_secret"`
	ExplicitAuthFlows          []string   `json:"explicit_auth_flows"`
	AllowedOAuthFlows          []string   `json:"allowed_oauth_flows"`
	AllowedOAuthScopes         []string   `json:"allowed_oauth_scopes"`
	CallbackURLs               []string   `json:"callback_urls"`
	LogoutURLs                 []string   `json:"logout_urls"`
	SupportedIdentityProviders []string   `json:"supported_identity_providers"`
	ReadAttributes             []string   `json:"read_attributes"`
	WriteAttributes            []string   `json:"write_attributes"`
	AccessTokenValidity        string     `json:"access_token_validity"`
	IDTokenValidity            string     `json:"id_token_validity"`
	RefreshTokenValidity       string     `json:"refresh_token_validity"`
	Created                    *time.Time `json:"created"`
	Modified                   *time.Time `json:"modified"`
}

func newClientJSON(c userpool.ClientDescription) clientJSON {
	return clientJSON{
		ClientID: c.ClientID, Name: c.ClientName, HasSecret: c.GenerateSecret,
		ExplicitAuthFlows: orEmpty(c.ExplicitAuthFlows), AllowedOAuthFlows: orEmpty(c.AllowedOAuthFlows),
		AllowedOAuthScopes: orEmpty(c.AllowedOAuthScopes), CallbackURLs: orEmpty(c.CallbackURLs), LogoutURLs: orEmpty(c.LogoutURLs),
		SupportedIdentityProviders: orEmpty(c.SupportedIdentityProviders),
		ReadAttributes:             orEmpty(c.ReadAttributes), WriteAttributes: orEmpty(c.WriteAttributes),
		AccessTokenValidity: c.AccessTokenValidity.String(), IDTokenValidity: c.IDTokenValidity.String(),
		RefreshTokenValidity: c.RefreshTokenValidity.String(),
		Created:              timeJSON(c.CreationDate), Modified: timeJSON(c.LastModifiedDate),
	}
}

// orEmpty makes a nil list an empty one, so JSON shows [] rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// clientsList prints the pool's clients, without secrets.
func (a *app) clientsList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients list", "clients list [-o text|json]")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutput("clients list", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	var clients []userpool.ClientDescription
	token := ""
	for {
		out, err := in.pool.ListUserPoolClients(ctx, userpool.ListUserPoolClientsInput{NextToken: token})
		if err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		clients = append(clients, out.UserPoolClients...)
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	if *format == formatJSON {
		list := make([]clientJSON, 0, len(clients))
		for _, c := range clients {
			list = append(list, newClientJSON(c))
		}
		return a.writeJSON(list)
	}
	tw := a.table()
	fmt.Fprintln(tw, "CLIENT_ID\tNAME\tSECRET\tOAUTH_FLOWS\tSCOPES\tCALLBACK_URLS")
	for _, c := range clients {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(c.ClientID), cell(c.ClientName), yesNo(c.GenerateSecret), list(c.AllowedOAuthFlows),
			list(c.AllowedOAuthScopes), list(c.CallbackURLs))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return cell(strings.Join(s, ","))
}

// validityText is a client's token validity for text output.
func validityText(d time.Duration) string {
	if d == 0 {
		return "pool default"
	}
	return d.String()
}

// clientsGet prints one client's settings (DescribeUserPoolClient).
func (a *app) clientsGet(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients get", "clients get -id CLIENT_ID [-o text|json]")
	id := fs.String("id", "", "the client's `ID` (required)")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usagef("clients get: -id is required")
	}
	if err := checkOutput("clients get", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	out, err := in.pool.DescribeUserPoolClient(ctx, userpool.DescribeUserPoolClientInput{ClientID: *id})
	if err != nil {
		return fmt.Errorf("clients get: %w", err)
	}
	c := *out.ClientDescription
	if *format == formatJSON {
		return a.writeJSON(newClientJSON(c))
	}
	tw := a.table()
	for _, row := range [][2]string{
		{"client_id", cell(c.ClientID)},
		{"name", cell(c.ClientName)},
		{"secret", yesNo(c.GenerateSecret)},
		{"explicit_auth_flows", list(c.ExplicitAuthFlows)},
		{"allowed_oauth_flows", list(c.AllowedOAuthFlows)},
		{"allowed_oauth_scopes", list(c.AllowedOAuthScopes)},
		{"callback_urls", list(c.CallbackURLs)},
		{"logout_urls", list(c.LogoutURLs)},
		{"supported_identity_providers", list(c.SupportedIdentityProviders)},
		{"read_attributes", list(c.ReadAttributes)},
		{"write_attributes", list(c.WriteAttributes)},
		{"access_token_validity", validityText(c.AccessTokenValidity)},
		{"id_token_validity", validityText(c.IDTokenValidity)},
		{"refresh_token_validity", validityText(c.RefreshTokenValidity)},
		{"created", timeText(c.CreationDate)},
		{"modified", timeText(c.LastModifiedDate)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

// clientsUpdate changes the settings given by flags and keeps the others
// (UpdateUserPoolClient replaces them all, so the client is read first).
// A list flag replaces the whole list.
func (a *app) clientsUpdate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients update", "clients update -id CLIENT_ID [-name N] [-callback URL...] [-logout URL...] [-scope S...] [-oauth-flow F...] [-auth-flow F...] [-idp NAME...] [-access-token-validity D] [-id-token-validity D] [-refresh-token-validity D]")
	id := fs.String("id", "", "the client's `ID` (required)")
	name := fs.String("name", "", "the client's new `name`")
	var callbacks, logouts, scopes, oauthFlows, authFlows, idps stringList
	fs.Var(&callbacks, "callback", "callback `URL` (repeat; replaces the list)")
	fs.Var(&logouts, "logout", "sign-out `URL` (repeat; replaces the list)")
	fs.Var(&scopes, "scope", "allowed OAuth `scope` (repeat; replaces the list)")
	fs.Var(&oauthFlows, "oauth-flow", "allowed OAuth `flow`: code, implicit or client_credentials (repeat; replaces the list)")
	fs.Var(&authFlows, "auth-flow", "explicit auth `flow`: ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH… (repeat; replaces the list)")
	fs.Var(&idps, "idp", "supported identity `provider`: COGNITO or a provider's name (repeat; replaces the list)")
	access := fs.Duration("access-token-validity", 0, "access token `lifetime` (0: the pool's)")
	idToken := fs.Duration("id-token-validity", 0, "ID token `lifetime` (0: the pool's)")
	refresh := fs.Duration("refresh-token-validity", 0, "refresh token `lifetime` (0: the pool's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usagef("clients update: -id is required")
	}
	changed := 0
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "id", "db", "config", "log-level", "log-format":
		default:
			changed++
		}
	})
	if changed == 0 {
		return usagef("clients update: nothing to change; give at least one setting flag")
	}
	for _, u := range append(slices.Clone(callbacks), logouts...) {
		if err := checkRedirectURL(u); err != nil {
			return usagef("clients update: %v", err)
		}
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	out, err := in.pool.DescribeUserPoolClient(ctx, userpool.DescribeUserPoolClientInput{ClientID: *id})
	if err != nil {
		return fmt.Errorf("clients update: %w", err)
	}
	cc := out.ClientConfig
	cc.GenerateSecret = false // the secret is kept; it cannot be made anew
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			cc.ClientName = *name
		case "callback":
			cc.CallbackURLs = callbacks
		case "logout":
			cc.LogoutURLs = logouts
		case "scope":
			cc.AllowedOAuthScopes = scopes
		case "oauth-flow":
			cc.AllowedOAuthFlows = oauthFlows
		case "auth-flow":
			cc.ExplicitAuthFlows = authFlows
		case "idp":
			cc.SupportedIdentityProviders = idps
		case "access-token-validity":
			cc.AccessTokenValidity = *access
		case "id-token-validity":
			cc.IDTokenValidity = *idToken
		case "refresh-token-validity":
			cc.RefreshTokenValidity = *refresh
		}
	})
	if _, err := in.pool.UpdateUserPoolClient(ctx, cc); err != nil {
		return fmt.Errorf("clients update: %w", err)
	}
	fmt.Fprintf(a.stdout, "updated client %s\n", printable(*id))
	if in.declaresClient(*id) {
		fmt.Fprintln(a.stdout, "The configuration declares it: the next start brings it back to the configuration.")
	}
	return nil
}

// clientsDelete deletes an app client; its tokens stop working.
func (a *app) clientsDelete(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients delete", "clients delete -id CLIENT_ID")
	id := fs.String("id", "", "the client's `ID` (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return usagef("clients delete: -id is required")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	if _, err := in.pool.DeleteUserPoolClient(ctx, userpool.DeleteUserPoolClientInput{ClientID: *id}); err != nil {
		return fmt.Errorf("clients delete: %w", err)
	}
	fmt.Fprintf(a.stdout, "deleted client %s\n", printable(*id))
	if in.declaresClient(*id) {
		fmt.Fprintln(a.stdout, "The configuration declares it: the next start creates it again.")
	}
	return nil
}

// declaresClient reports whether the configuration (or the development
// defaults) declares the client.
func (in *instance) declaresClient(id string) bool {
	return slices.ContainsFunc(in.cfg.Clients, func(c clientConfig) bool { return c.ClientID == id })
}
