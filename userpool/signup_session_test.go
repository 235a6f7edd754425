package userpool_test

import (
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

func TestSignInRightAfterSignUp(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword))
	up, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "sam", Password: goodPW,
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "sam@example.com"}}})
	if err != nil || up.Session == "" {
		t.Fatalf("SignUp = %+v, %v", up, err)
	}
	conf, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "sam",
		ConfirmationCode: e.lastCode("sam@example.com"), Session: up.Session})
	if err != nil || conf.Session == "" {
		t.Fatalf("ConfirmSignUp = %+v, %v", conf, err)
	}
	start := func(username, session string) (*userpool.InitiateAuthOutput, error) {
		return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": username}, Session: session})
	}
	tok := wantTokens(t)(start("sam", conf.Session))
	if c := e.accessClaims(tok.AccessToken); c.Username != "sam" {
		t.Fatalf("signed in %q", c.Username)
	}
	wantCode(t, errOf(start("sam", conf.Session)), userpool.CodeNotAuthorized) // the session is single-use
	// The SignUp Session itself does not sign in.
	wantCode(t, errOf(start("sam", up.Session)), userpool.CodeNotAuthorized)
	_, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "sam", "PASSWORD": goodPW}, Session: conf.Session})
	wantCode(t, err, userpool.CodeInvalidParameter)

	// Another user's name with the session signs nobody in and spends it.
	up2, _ := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "sid", Password: goodPW,
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "sid@example.com"}}})
	conf2, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "sid",
		ConfirmationCode: e.lastCode("sid@example.com"), Session: up2.Session})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, errOf(start("sam", conf2.Session)), userpool.CodeNotAuthorized)
	wantCode(t, errOf(start("sid", conf2.Session)), userpool.CodeNotAuthorized)
}

func TestConfirmSignUpWithoutASessionAnswersNone(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword))
	e.signUp("tia", "tia@example.com", goodPW)
	conf, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "tia",
		ConfirmationCode: e.lastCode("tia@example.com"), Session: "not-a-session"})
	if err != nil || conf.Session != "" {
		t.Fatalf("ConfirmSignUp with a bad session = %+v, %v; want confirmed, no session", conf, err)
	}
}
