package main

import (
	"context"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// joinPath names a field below parent: pool.password_policy.minimum_length,
// clients[].name.
func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// configFieldPaths lists the YAML path of every field of t, a struct of
// the configuration, below parent. Lists add [] to the path; a secret
// reference ({env: …} or {file: …}) and a map are single fields.
func configFieldPaths(t reflect.Type, parent string) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := joinPath(parent, name)
		out = append(out, p)
		ft := f.Type
	unwrap:
		for {
			switch ft.Kind() {
			case reflect.Pointer:
				ft = ft.Elem()
			case reflect.Slice:
				ft, p = ft.Elem(), p+"[]"
			default:
				break unwrap
			}
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[secretRef]() {
			out = append(out, configFieldPaths(ft, p)...)
		}
	}
	return out
}

// yamlPaths records the path of every mapping key in n, as
// configFieldPaths spells them.
func yamlPaths(n *yaml.Node, parent string, seen map[string]bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			yamlPaths(c, parent, seen)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := joinPath(parent, n.Content[i].Value)
			seen[p] = true
			yamlPaths(n.Content[i+1], p, seen)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			yamlPaths(c, parent+"[]", seen)
		}
	}
}

// alternatives matches the "#| " that comments out an alternative line.
var alternatives = regexp.MustCompile(`(?m)^(\s*)#\| `)

func TestConfigExampleLoadsAndDocumentsEveryField(t *testing.T) {
	ta := newTestApp(t)
	out := ta.mustExec(t, "config", "example")
	if out != exampleConfig {
		t.Fatal("config example does not print the embedded example")
	}
	// It loads as serve loads a configuration, checks included.
	path := writeFile(t, t.TempDir(), "cupola.yaml", out, 0o644)
	c, err := loadConfig(path)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	// Every field of the configuration is in it, with a value: a new field
	// must be documented there.
	// Alternatives that cannot be set together with what the example sets
	// (tls.acme beside the certificate files) are lines commented out
	// with "#| ": they count as shown.
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(alternatives.ReplaceAllString(out, "$1")), &doc); err != nil {
		t.Fatalf("the example with its alternatives uncommented: %v", err)
	}
	seen := map[string]bool{}
	yamlPaths(&doc, "", seen)
	fields := configFieldPaths(reflect.TypeFor[fileConfig](), "")
	if len(fields) < 100 {
		t.Fatalf("only %d configuration fields found: the walk is broken", len(fields))
	}
	for _, f := range fields {
		if !seen[f] {
			t.Errorf("cupola.example.yaml does not show %s (document every configuration field there)", f)
		}
	}
	// The pool it describes is one userpool accepts.
	pcfg := c.userpoolConfig()
	pcfg.Secret = []byte(testSecret)
	if _, err := userpool.New(context.Background(), pcfg, memory.New()); err != nil {
		t.Errorf("the example's pool is refused: %v", err)
	}
}

func TestConfigValidateReportsEveryProblemWithoutStartingAnything(t *testing.T) {
	dir := t.TempDir()
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret}
	good := writeFile(t, dir, "good.yaml", `
pool:
  id: prod
  issuer: https://auth.example.com
  secret: {env: POOL_SECRET}
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
clients:
  - client_id: web
    callback_urls: [https://app.example.com/cb]
`, 0o644)
	code, out, stderr := ta.exec(t, "config", "validate", "-config", good)
	if code != exitOK || out != "ok\n" {
		t.Fatalf("a good configuration: exit %d\n%s\n%s", code, out, stderr)
	}

	for _, tt := range []struct {
		name   string
		config string
		env    map[string]string
		want   []string
	}{
		{"an unknown field", "pool: {id: p, issuer: https://a.example.com, secret: {env: S}, nope: 1}\nhosted_ui: {cookie_keys: [{env: S}]}\n",
			map[string]string{"S": testSecret}, []string{"field nope not found"}},
		{"missing required fields, all at once", "pool: {name: x}\n", nil,
			[]string{"pool.id is required", "pool.issuer is required", "pool.secret is required", "hosted_ui.cookie_keys is required"}},
		{"unset and short secrets", `
pool: {id: p, issuer: "https://a.example.com", secret: {env: UNSET}}
hosted_ui: {cookie_keys: [{env: SHORT}]}
`, map[string]string{"SHORT": "abc"}, []string{"UNSET is not set", "shorter than 32 bytes"}},
		{"a pool setting userpool refuses", `
pool: {id: p, issuer: "https://a.example.com", secret: {env: S}, password_policy: {minimum_length: 3}}
hosted_ui: {cookie_keys: [{env: S}]}
`, map[string]string{"S": testSecret}, []string{"MinimumLength must be 8-99"}},
		{"files that are not there", `
pool: {id: p, issuer: "https://a.example.com", secret: {env: S}, threat_protection: {geoip: none.mmdb}}
hosted_ui: {cookie_keys: [{env: S}], branding: {logo_file: none.png}}
tls: {cert_file: none.crt, key_file: none.key}
`, map[string]string{"S": testSecret}, []string{"tls:", "threat_protection.geoip", "hosted_ui.branding.logo_file"}},
		{"a client naming an unknown identity provider", `
pool: {id: p, issuer: "https://a.example.com", secret: {env: S}}
hosted_ui: {cookie_keys: [{env: S}]}
clients: [{client_id: web, callback_urls: ["https://app.example.com/cb"], supported_identity_providers: [COGNITO, Nope]}]
`, map[string]string{"S": testSecret}, []string{"neither COGNITO nor a provider of the pool"}},
		{"an unreadable smtp password and a wire API key without id", `
pool: {id: p, issuer: "https://a.example.com", secret: {env: S}}
hosted_ui: {cookie_keys: [{env: S}]}
smtp: {addr: "smtp.example.com:587", from: a@example.com, username: u, password: {env: UNSET}}
cognito_api: {access_keys: [{secret: {env: S}}]}
`, map[string]string{"S": testSecret}, []string{"smtp.password: environment variable UNSET is not set", "cognito_api.access_keys[0]: id is required"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			ta.env = tt.env
			path := writeFile(t, t.TempDir(), "cupola.yaml", tt.config, 0o644)
			code, out, stderr := ta.exec(t, "config", "validate", "-config", path)
			if code != exitFailure || strings.Contains(out, "ok") {
				t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if !strings.Contains(stderr, "config validate: "+path+": ") {
				t.Errorf("no summary:\n%s", stderr)
			}
		})
	}

	// Nothing was created: no database, no development secrets.
	ta.env = map[string]string{}
	dev := writeFile(t, dir, "dev.yaml", "dev: true\n", 0o644)
	if code, out, stderr := ta.exec(t, "config", "validate", "-config", dev); code != exitOK || out != "ok\n" {
		t.Fatalf("dev: true: exit %d\n%s\n%s", code, out, stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.db*")); len(m) != 0 {
		t.Errorf("validate left files: %v", m)
	}
	code, _, stderr = ta.exec(t, "config", "validate", "-config", filepath.Join(dir, "none.yaml"))
	if code != exitFailure || !strings.Contains(stderr, "no such file") {
		t.Errorf("a missing file: exit %d\n%s", code, stderr)
	}
}
