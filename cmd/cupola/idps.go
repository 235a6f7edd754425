package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// maxDetailFileBytes bounds a -detail-file (a private key, or SAML
// metadata, which can be large).
const maxDetailFileBytes = 1 << 20

// keyValues is a repeatable key=value flag.
type keyValues map[string]string

func (kv keyValues) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		parts = append(parts, k+"="+kv[k])
	}
	return strings.Join(parts, ",")
}

func (kv keyValues) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return errors.New("want key=value")
	}
	if _, dup := kv[k]; dup {
		return fmt.Errorf("%s is given twice", k)
	}
	kv[k] = val
	return nil
}

// idpsCreate adds an identity provider (CreateIdentityProvider). Details
// are checked by building the provider; secrets in them are kept sealed.
func (a *app) idpsCreate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("idps create", "idps create -name N -type T -detail k=v [-detail k=v...] [-detail-file k=PATH...] [-mapping attr=claim...] [-identifier ID...]")
	name := fs.String("name", "", "the provider's `name` (required; Google, Facebook, LoginWithAmazon and SignInWithApple are named as their type)")
	typ := fs.String("type", "", "the provider's `type`: "+strings.Join(providerTypes, ", ")+" (required)")
	details, detailFiles, mapping := keyValues{}, keyValues{}, keyValues{}
	var identifiers stringList
	fs.Var(details, "detail", "a ProviderDetails `key=value` (repeat): client_id=…, oidc_issuer=…, MetadataURL=…")
	fs.Var(detailFiles, "detail-file", "a ProviderDetails value read from a file, `key=PATH` (repeat): client_secret, private_key, MetadataFile")
	fs.Var(mapping, "mapping", "an attribute mapping `attribute=claim` (repeat): email=email")
	fs.Var(&identifiers, "identifier", "an IdpIdentifier (repeat), such as an email `domain` routed to the provider")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("idps create: -name is required")
	}
	if !slices.Contains(providerTypes, *typ) {
		return usagef("idps create: -type must be one of %s", strings.Join(providerTypes, ", "))
	}
	if len(details)+len(detailFiles) == 0 {
		return usagef("idps create: at least one -detail or -detail-file is required")
	}
	for k, path := range detailFiles {
		if _, ok := details[k]; ok {
			return usagef("idps create: %s is given as -detail and -detail-file", k)
		}
		b, err := readSmallFile(path, maxDetailFileBytes)
		if err != nil {
			return fmt.Errorf("idps create: -detail-file %s: %w", k, err)
		}
		details[k] = strings.TrimRight(string(b), "\r\n")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	out, err := in.pool.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{ProviderName: *name, ProviderType: *typ,
		ProviderDetails: details, AttributeMapping: mapping, IdpIdentifiers: identifiers})
	if err != nil {
		return fmt.Errorf("create identity provider: %w", err)
	}
	fmt.Fprintf(a.stdout, "created identity provider %s (%s)\n", printable(out.IdentityProvider.ProviderName), out.IdentityProvider.ProviderType)
	return nil
}

// idpJSON is an identity provider in JSON output (idps list). The field
// names are stable; details are left out (idps describe shows them).
type idpJSON struct {
	Name     string     `json:"name"`
	Type     string     `json:"type"`
	Created  *time.Time `json:"created"`
	Modified *time.Time `json:"modified"`
}

// idpDetailJSON is an identity provider in idps describe's JSON output:
// idpJSON's fields, and the provider's identifiers, details (secret ones
// as "(hidden)") and attribute mapping.
type idpDetailJSON struct {
	idpJSON
	Identifiers      []string          `json:"identifiers"`
	Details          map[string]string `json:"details"`
	AttributeMapping map[string]string `json:"attribute_mapping"`
}

// idpsList prints the pool's identity providers.
func (a *app) idpsList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("idps list", "idps list [-o text|json]")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutput("idps list", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	providers := []idpJSON{}
	token := ""
	for {
		out, err := in.pool.ListIdentityProviders(ctx, userpool.ListIdentityProvidersInput{NextToken: token})
		if err != nil {
			return fmt.Errorf("list identity providers: %w", err)
		}
		for _, p := range out.Providers {
			providers = append(providers, idpJSON{Name: p.ProviderName, Type: p.ProviderType,
				Created: timeJSON(p.CreationDate), Modified: timeJSON(p.LastModifiedDate)})
		}
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	if *format == formatJSON {
		return a.writeJSON(providers)
	}
	tw := a.table()
	fmt.Fprintln(tw, "NAME\tTYPE\tCREATED\tMODIFIED")
	for _, p := range providers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(p.Name), cell(p.Type), timeText(derefTime(p.Created)), timeText(derefTime(p.Modified)))
	}
	return tw.Flush()
}

// idpsDescribe prints one identity provider. Secret details (the client
// secret, the Apple private key) are shown as "(hidden)".
func (a *app) idpsDescribe(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("idps describe", "idps describe -name N [-o text|json]")
	name := fs.String("name", "", "the provider's `name` (required)")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("idps describe: -name is required")
	}
	if err := checkOutput("idps describe", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	out, err := in.pool.DescribeIdentityProvider(ctx, userpool.DescribeIdentityProviderInput{ProviderName: *name})
	if err != nil {
		return fmt.Errorf("describe identity provider: %w", err)
	}
	p := out.IdentityProvider
	if *format == formatJSON {
		details := map[string]string{}
		for k, v := range p.ProviderDetails {
			if slices.Contains(secretProviderDetails, k) {
				v = "(hidden)"
			}
			details[k] = v
		}
		mapping := p.AttributeMapping
		if mapping == nil {
			mapping = map[string]string{}
		}
		return a.writeJSON(idpDetailJSON{idpJSON: idpJSON{Name: p.ProviderName, Type: p.ProviderType,
			Created: timeJSON(p.CreationDate), Modified: timeJSON(p.LastModifiedDate)},
			Identifiers: orEmpty(p.IdpIdentifiers), Details: details, AttributeMapping: mapping})
	}
	w := a.stdout
	fmt.Fprintf(w, "name:        %s\n", printable(p.ProviderName))
	fmt.Fprintf(w, "type:        %s\n", p.ProviderType)
	fmt.Fprintf(w, "created:     %s\n", p.CreationDate.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "modified:    %s\n", p.LastModifiedDate.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "identifiers: %s\n", list(p.IdpIdentifiers))
	fmt.Fprintln(w, "details:")
	for _, k := range slices.Sorted(maps.Keys(p.ProviderDetails)) {
		v := p.ProviderDetails[k]
		switch {
		case slices.Contains(secretProviderDetails, k):
			v = "(hidden)"
		case strings.Contains(v, "\n"):
			v = fmt.Sprintf("(%d bytes)", len(v)) // MetadataFile: the XML itself
		}
		fmt.Fprintf(w, "  %s: %s\n", printable(k), printable(v))
	}
	fmt.Fprintln(w, "attribute_mapping:")
	for _, k := range slices.Sorted(maps.Keys(p.AttributeMapping)) {
		fmt.Fprintf(w, "  %s: %s\n", printable(k), printable(p.AttributeMapping[k]))
	}
	return nil
}

// idpsDelete removes an identity provider; its users stay but can no
// longer sign in through it.
func (a *app) idpsDelete(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("idps delete", "idps delete -name N")
	name := fs.String("name", "", "the provider's `name` (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("idps delete: -name is required")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	if _, err := in.pool.DeleteIdentityProvider(ctx, userpool.DeleteIdentityProviderInput{ProviderName: *name}); err != nil {
		return fmt.Errorf("delete identity provider: %w", err)
	}
	fmt.Fprintf(a.stdout, "deleted identity provider %s\n", printable(*name))
	if slices.ContainsFunc(in.cfg.IdentityProviders, func(p identityProviderConfig) bool { return p.Name == *name }) {
		fmt.Fprintln(a.stdout, "The configuration declares it: the next start creates it again.")
	}
	return nil
}

// idpsSPMetadata prints the SAML service-provider metadata to register at
// a SAML identity provider: the pool's entity ID
// (urn:amazon:cognito:sp:<pool id>), <issuer>/saml2/idpresponse as the
// assertion consumer service, and the pool's SAML certificate, as the
// provider's settings (RequestSigningAlgorithm, EncryptedResponses) need.
func (a *app) idpsSPMetadata(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("idps sp-metadata", "idps sp-metadata -name N")
	name := fs.String("name", "", "the SAML provider's `name` (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("idps sp-metadata: -name is required (before the provider exists, register entity ID urn:amazon:cognito:sp:<pool id> and ACS URL <issuer>/saml2/idpresponse)")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	out, err := in.pool.DescribeIdentityProvider(ctx, userpool.DescribeIdentityProviderInput{ProviderName: *name})
	if err != nil {
		return fmt.Errorf("sp-metadata: %w", err)
	}
	if t := out.IdentityProvider.ProviderType; t != userpool.ProviderTypeSAML {
		return fmt.Errorf("sp-metadata: %s is an %s provider, not SAML", printable(*name), t)
	}
	// The pool builds it as the hosted UI serves it at
	// /saml2/metadata/{provider}.
	xml, err := in.pool.OAuth().SAMLMetadata(ctx, *name, strings.TrimRight(in.pool.Issuer(), "/")+"/saml2/idpresponse")
	if err != nil {
		return fmt.Errorf("sp-metadata: %w", err)
	}
	_, err = a.stdout.Write(xml)
	return err
}
