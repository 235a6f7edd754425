package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/userpool"
)

// cognitoAPI builds the pool's Cognito wire API with the configured
// access keys.
func (a *app) cognitoAPI(in *instance, log *slog.Logger) (http.Handler, error) {
	c := in.cfg.CognitoAPI
	keys := map[string]string{}
	for i, k := range c.AccessKeys {
		if k.ID == "" {
			return nil, fmt.Errorf("cognito_api.access_keys[%d]: id is required", i)
		}
		secret, err := a.readSecretValue(k.Secret, fmt.Sprintf("cognito_api.access_keys[%d].secret", i), log)
		if err != nil {
			return nil, err
		}
		keys[k.ID] = string(secret)
	}
	h, err := cognitoapi.New([]*userpool.UserPool{in.pool}, cognitoapi.Options{AccessKeys: keys, Region: c.Region,
		AccountID: c.AccountID, Clock: a.now, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("cognito_api: %w", err)
	}
	return h, nil
}

// withCognitoAPI sends Cognito's wire requests (POST / with X-Amz-Target)
// to api and everything else to next.
func withCognitoAPI(api, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") != "" {
			api.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
