package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cupola-auth/cupola/userpool"
)

// clientsCreate registers an app client for the authorization code flow.
// With -secret it is confidential, and its secret is printed once: the
// pool keeps it sealed and never shows it again.
func (a *app) clientsCreate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients create", "clients create -name N -callback URL [-callback URL...] [-logout URL...] [-scope S...] [-secret]")
	name := fs.String("name", "", "the client's `name` (required)")
	var callbacks, logouts, scopes stringList
	fs.Var(&callbacks, "callback", "callback `URL` (repeat for several; https, or http on localhost)")
	fs.Var(&logouts, "logout", "sign-out `URL` (repeat for several)")
	fs.Var(&scopes, "scope", "allowed OAuth `scope` (repeat; default openid, email, profile)")
	secret := fs.Bool("secret", false, "generate a client secret (a confidential client); it is printed once")
	clientCredentials := fs.Bool("client-credentials", false, "also allow the client_credentials grant (needs -secret and a resource-server -scope)")
	if err := parse(fs, args); err != nil {
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
	fmt.Fprintf(a.stdout, "client_id:     %s\n", c.ClientID)
	if c.ClientSecret != "" {
		fmt.Fprintf(a.stdout, "client_secret: %s\n", c.ClientSecret)
		fmt.Fprintln(a.stdout, "Store the secret now: it is not shown again.")
	}
	return nil
}

// clientsList prints the pool's clients, without secrets.
func (a *app) clientsList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("clients list", "clients list")
	if err := parse(fs, args); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT_ID\tNAME\tSECRET\tOAUTH_FLOWS\tSCOPES\tCALLBACK_URLS")
	token := ""
	for {
		out, err := in.pool.ListUserPoolClients(ctx, userpool.ListUserPoolClientsInput{NextToken: token})
		if err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		for _, c := range out.UserPoolClients {
			secret := "no"
			if c.GenerateSecret {
				secret = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ClientID, printable(c.ClientName), secret, list(c.AllowedOAuthFlows),
				list(c.AllowedOAuthScopes), list(c.CallbackURLs))
		}
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	return tw.Flush()
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return printable(strings.Join(s, ","))
}
