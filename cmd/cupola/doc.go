// Command cupola is a ready Cupola server: a Cognito-style user pool with
// its hosted sign-in pages and OAuth2/OpenID Connect endpoints, on SQLite
// (the default) or PostgreSQL, plus the administrative commands to manage
// its users, clients and signing keys.
//
//	go run ./cmd/cupola serve
//
// Without -config, serve runs a development pool on http://127.0.0.1:8080
// with a public client (callback http://localhost:3000/callback, PKCE) and
// prints the client ID, the discovery URL and a ready authorize URL with
// its PKCE verifier; emailed codes are printed on stdout. The pool secret,
// the cookie key and the SAML service-provider key pair are generated once
// and kept, mode 0600, beside the database (cupola.db.secrets), so
// restarts keep sessions and keys working.
//
// Commands:
//
//	cupola serve [-addr 127.0.0.1:8080]
//	cupola users list [-filter 'email ^= "a"'] [-o text|json]
//	cupola users get -username U [-o text|json]
//	cupola users create -username U -email E [-attribute name=value...] [-password-stdin] [-email-verified] [-suppress]
//	cupola users delete -username U
//	cupola users enable -username U
//	cupola users disable -username U
//	cupola users confirm -username U
//	cupola users set-password -username U [-password-stdin] [-permanent]
//	cupola users reset-password -username U
//	cupola users sign-out -username U
//	cupola users groups -username U [-o text|json]
//	cupola groups create -name G [-description D] [-precedence N] [-role-arn ARN]
//	cupola groups list [-o text|json]
//	cupola groups delete -name G
//	cupola groups add -name G -username U
//	cupola groups remove -name G -username U
//	cupola clients create -name N -callback URL [-callback URL...] [-logout URL...] [-scope S...] [-secret] [-o text|json]
//	cupola clients list [-o text|json]
//	cupola clients get -id ID [-o text|json]
//	cupola clients update -id ID [-name N] [-callback URL...] [-logout URL...] [-scope S...] [-oauth-flow F...] [-auth-flow F...] [-idp NAME...] [-access-token-validity D] [-id-token-validity D] [-refresh-token-validity D]
//	cupola clients delete -id ID
//	cupola idps create -name N -type T -detail k=v [-detail k=v...] [-detail-file k=PATH...] [-mapping attr=claim...] [-identifier ID...]
//	cupola idps list [-o text|json]
//	cupola idps describe -name N [-o text|json]
//	cupola idps delete -name N
//	cupola idps sp-metadata -name N
//	cupola import [-strict] [-o text|json] FILE.csv
//	cupola keys list [-o text|json]
//	cupola keys rotate [-publish-ahead 24h]
//	cupola config validate [-config cupola.yaml]
//	cupola config example
//
// 'cupola <command> -h' lists a group's commands and 'cupola <command>
// <subcommand> -h' a command's flags, on stdout, with exit status 0. An
// unknown command is a usage error that names the valid ones.
//
// Passwords never need to be on the command line, where they land in the
// shell history: 'users create' and 'users set-password' read one from the
// first line of stdin with -password-stdin, or generate a temporary
// password to the pool's policy and print it (users create does so with
// -suppress; without it, the pool generates one and emails the
// invitation). 'users create -temporary-password' remains, for scripts
// that cannot do otherwise.
//
// 'clients update' changes only the settings its flags name (a list flag
// replaces the whole list); a client the configuration declares is
// brought back to the configuration at the next start, and one deleted is
// created again.
//
// 'import' reads Cognito's user-import CSV (a header of attribute names
// with cognito:username, then one user a row; see
// userpool.UserPool.ImportUsers), plus Cupola's cupola:password_hash
// column: users with a bcrypt or argon2id hash keep their password, the
// others must reset it. Users that exist are skipped, so an import can run
// again. On a terminal it draws a progress bar; each refused row is
// reported on stderr as FILE:LINE (username): reason, and the exit status
// is 1 if any row was refused. -strict stops at the first one.
//
// 'keys list' shows each signing key's ID, algorithm, state and times. A
// key is pending (published, signing from its activation), signing (the
// key new tokens are signed with), active (may sign, but a newer key
// does), retired (verifies the tokens it signed until it expires) or
// expired.
//
// 'config validate' loads a configuration and checks it as serve would,
// without opening the database or listening: the file, the secrets it
// names (set and long enough), the TLS pair, the GeoIP database, branding
// files, and the pool and client settings. It prints "ok", or every
// problem on stderr and exits 1.
//
// # JSON output
//
// With -o json, listings print a JSON array and gets an object, with
// these field names, which are stable; times are RFC 3339 in UTC, null
// when unset:
//
//	users list, users get:  username, sub, status, enabled, created, modified,
//	                        attributes (an object of name: value)
//	groups list, users groups: name, description, precedence (null when unset),
//	                        role_arn, created, modified
//	clients list, clients get: client_id, name, has_secret, explicit_auth_flows,
//	                        allowed_oauth_flows, allowed_oauth_scopes, callback_urls,
//	                        logout_urls, supported_identity_providers, read_attributes,
//	                        write_attributes, access_token_validity, id_token_validity,
//	                        refresh_token_validity (Go durations; "0s" is the pool's),
//	                        created, modified
//	clients create:         client_id, client_secret (only for a confidential client)
//	idps list:              name, type, created, modified
//	idps describe:          idps list's, identifiers, details (secret ones "(hidden)"),
//	                        attribute_mapping
//	keys list:              kid, alg, state, published, active, retired, expires
//	import:                 imported, skipped, failed, errors (line, username, error)
//
// Every command takes -db (a SQLite file, or a postgres:// or
// postgresql:// DSN), -config (a YAML file), -log-level and -log-format
// (logs go to stderr). The exit status is 0 on success, 1 on failure and 2 on a usage
// error. SIGINT or SIGTERM stops serve gracefully.
//
// While it runs, serve re-reads the signing keys every minute and, at
// start and every ten minutes, deletes a bounded batch of records that can
// no longer matter (expired challenge sessions and codes, idle lockout
// counters; see userpool.UserPool.Cleanup), so the store does not grow
// without bound. Several instances on one database may do both at once.
//
// # Configuration
//
// 'cupola config example' prints the complete reference: a commented
// cupola.yaml with every field (a test checks it against the
// configuration struct). The YAML file declares the pool, its clients, resource servers and
// identity providers, the hosted UI and SMTP. Unknown fields are errors. Secrets are never written
// in it: each names an environment variable or a file (relative paths are
// relative to the configuration file).
//
//	pool:
//	  id: prod_main
//	  name: Example
//	  issuer: https://auth.example.com     # public base URL; the hosted UI is served under its path
//	  secret: {env: CUPOLA_POOL_SECRET}    # at least 32 random bytes: openssl rand -base64 48
//	  password_policy: {minimum_length: 12}
//	  username_attributes: [email]
//	  mfa: {mode: OPTIONAL, factors: [SOFTWARE_TOKEN_MFA]}
//	  allowed_first_auth_factors: [PASSWORD, WEB_AUTHN]   # USER_AUTH and the hosted UI; WEB_AUTHN turns passkeys on
//	  webauthn: {user_verification: required}           # relying_party_id/origins default to the issuer's host/origin; max_credentials 20
//	  threat_protection: {mode: AUDIT, geoip: GeoLite2-City.mmdb}  # OFF (default), AUDIT, ENFORCED; fail_open: true to let sign-ins through when the assessor fails
//	  auth_event_retention: 2160h                                 # 90 days, the default
//	  conceal_existing_accounts: true                             # SignUp of a taken name answers as a fresh one and tells the owner
//	  tokens: {access: 30m, refresh: 720h}
//	clients:
//	  - client_id: web
//	    name: Web app
//	    callback_urls: [https://app.example.com/callback]
//	    logout_urls: [https://app.example.com/]
//	    allowed_oauth_flows: [code]
//	    allowed_oauth_scopes: [openid, email, profile, https://api.example.com/read]
//	    supported_identity_providers: [COGNITO, CorpIdP]   # empty: COGNITO only
//	resource_servers:
//	  - identifier: https://api.example.com
//	    name: API
//	    scopes: [{name: read, description: Read access}]
//	identity_providers:
//	  - name: CorpIdP                      # Google, Facebook, LoginWithAmazon, SignInWithApple: the type
//	    type: OIDC                         # OIDC, SAML, Google, Facebook, LoginWithAmazon or SignInWithApple
//	    details:                           # Cognito's ProviderDetails for the type
//	      client_id: cupola
//	      oidc_issuer: https://login.example.com
//	      authorize_scopes: openid email profile
//	    secret_details:                    # details read from env or file; client_secret and private_key must be here
//	      client_secret: {env: CORP_IDP_CLIENT_SECRET}
//	    attribute_mapping: {email: email, name: name}   # pool attribute: provider claim
//	    idp_identifiers: [example.com]     # email domains the hosted UI routes to the provider
//	  - name: CorpSAML
//	    type: SAML
//	    details: {MetadataURL: https://sso.example.com/metadata, RequestSigningAlgorithm: rsa-sha256}
//	federation:
//	  saml_key: {file: /run/secrets/saml_sp.key}        # PEM (PKCS #8, PKCS #1 or SEC 1): signs AuthnRequests,
//	  saml_certificate: {file: /run/secrets/saml_sp.crt} # decrypts assertions; the certificate goes in the SP metadata
//	  link_verified_emails: false          # true: a first federated sign-in joins the user with the same verified email
//	hosted_ui:
//	  cookie_keys: [{file: /run/secrets/cookie_key}]   # the first seals; all open
//	  session_ttl: 1h
//	  branding: {title: Example, logo_file: logo.png, primary_color: "#0b5fff"}
//	tls:                                  # serve HTTPS; the pair is reloaded on SIGHUP and when the files change
//	  cert_file: /etc/cupola/tls.crt
//	  key_file: /etc/cupola/tls.key
//	  redirect_addr: ":80"                 # optional: plain HTTP redirected to the issuer's https origin
//	  hsts_max_age: 8760h                  # Strict-Transport-Security (default one year; negative: none)
//	  # or, instead of the files, a certificate from an ACME CA (Let's Encrypt by default),
//	  # validated by TLS-ALPN-01 on :443 or HTTP-01 on redirect_addr (:80):
//	  # acme: {domains: [auth.example.com], email: ops@example.com, cache_dir: /var/lib/cupola/acme}
//	cognito_api:                          # Cognito's wire API at POST / (AWS SDKs, the AWS CLI)
//	  region: us-east-1                    # what signatures and ARNs name
//	  access_keys: [{id: AKIDEXAMPLE, secret: {env: CUPOLA_ADMIN_SECRET}}]   # sign admin actions (SigV4)
//	smtp:
//	  addr: smtp.example.com:587
//	  from: Example <no-reply@example.com>
//	  username: no-reply@example.com
//	  password: {env: SMTP_PASSWORD}
//
// Clients declared in the file are created at start and brought back to
// the file when changed; a client with a secret is created with
// 'cupola clients create -secret', which prints the secret once. Identity
// providers declared in the file are likewise created at start and
// updated when their details, attribute mapping or identifiers differ
// from the file; a provider's type cannot change (delete it with 'cupola
// idps delete' first), and nothing the file does not name is deleted. A
// client's supported_identity_providers must be COGNITO or providers of
// the pool. The details of a SAML provider may give the IdP metadata
// inline as MetadataFile (a YAML block scalar), or read it from a file
// with secret_details: {MetadataFile: {file: idp-metadata.xml}}.
//
// The SAML service provider is urn:amazon:cognito:sp:<pool id>, with
// <issuer>/saml2/idpresponse as its assertion consumer service: register
// both at the IdP, or the XML 'cupola idps sp-metadata -name N' prints
// once the provider exists (the hosted UI also serves it at
// <issuer>/saml2/metadata/<name>). Without a federation section, SAML
// providers cannot sign requests or take encrypted assertions.
//
// A SAML IdP (and Sign in with Apple) answers with a cross-site POST,
// which carries the hosted UI's sign-in cookie only when that cookie is
// SameSite=None, and browsers accept that only over TLS: serve the issuer
// over https for such providers. Over plain http (development) their
// answer arrives without the cookie ("sign-in session has expired")
// unless the IdP is on the same site as the issuer (127.0.0.1 and
// 127.0.0.1 on another port are one site; localhost and 127.0.0.1 are not).
//
// With "dev: true", secrets the file does not name are generated as
// without a configuration (the SAML key pair as an RSA-2048 key and a
// self-signed certificate valid ten years, kept in the same secrets
// file), and emails go to stdout when no SMTP is configured.
package main
