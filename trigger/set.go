package trigger

import (
	"context"
	"time"
)

// DefaultTimeout bounds a trigger when [Set.Timeout] is zero, as Cognito
// bounds a Lambda trigger.
const DefaultTimeout = 5 * time.Second

// Set holds a pool's triggers: one func per Cognito trigger, nil when the
// trigger is not configured. A func gets the caller's context (with the
// deadline of [Set.Timeout]) and a private copy of the event; it may change
// only the event's Response, and only what the field's documentation lists:
// the pool adopts the Response when the func returns nil in time and ignores
// any change to the request.
//
// A func that returns an error aborts the operation with a
// UserLambdaValidationException ("PreSignUp failed with error <msg>."); a
// func that panics or runs past its deadline fails the operation too, and
// the pool keeps serving. Pre-triggers run before anything is written;
// post-triggers run after the write committed, so their failure does not
// undo it.
//
// A func may be written in Go, or be an HTTP endpoint speaking the Lambda
// event JSON: see [HTTP].
type Set struct {
	// PreSignUp runs before SignUp, AdminCreateUser or a first federated
	// sign-in creates a user. The Response may auto-confirm the user and
	// mark the email or phone verified (ignored for AdminCreateUser); an
	// error rejects the sign-up.
	PreSignUp func(context.Context, *PreSignUpEvent) error

	// PostConfirmation runs after a sign-up or a forgotten password is
	// confirmed. Side effects only: the Response is empty.
	PostConfirmation func(context.Context, *PostConfirmationEvent) error

	// PreAuthentication runs before a sign-in's credentials are checked
	// (also for an unknown user when user-existence errors are prevented).
	// The Response is empty; an error denies the sign-in.
	PreAuthentication func(context.Context, *PreAuthenticationEvent) error

	// PostAuthentication runs after a successful sign-in, before tokens are
	// returned. Side effects only: the Response is empty.
	PostAuthentication func(context.Context, *PostAuthenticationEvent) error

	// PreTokenGeneration (V1) runs before tokens are issued. The Response
	// may add, override or suppress ID-token claims and override groups and
	// roles; locked claims (sub, iss, aud, exp, …) cannot be touched. Set at
	// most one of PreTokenGeneration and PreTokenGenerationV2.
	PreTokenGeneration func(context.Context, *PreTokenGenerationEvent) error

	// PreTokenGenerationV2 runs before tokens are issued. The Response may
	// add, override or suppress ID- and access-token claims (any JSON
	// value), add or suppress access-token scopes and override groups and
	// roles; locked claims cannot be touched.
	PreTokenGenerationV2 func(context.Context, *PreTokenGenerationV2Event) error

	// MigrateUser runs when an unknown user signs in with a password or
	// asks to reset a forgotten password. The Response gives the
	// attributes, final status, welcome-message action and delivery
	// mediums, alias and SMS MFA settings of the user to create; the
	// password given at sign-in is hashed with the pool's parameters. An
	// error means the user cannot be migrated.
	MigrateUser func(context.Context, *MigrateUserEvent) error

	// CustomMessage runs before the pool sends a message with a code. The
	// Response may set the SMS text, email body and email subject; a body
	// must keep the request's CodeParameter placeholder.
	CustomMessage func(context.Context, *CustomMessageEvent) error

	// CustomEmailSender replaces the pool's email delivery: the func sends
	// the message, the plaintext code is in the request. The Response is
	// empty.
	CustomEmailSender func(context.Context, *CustomEmailSenderEvent) error

	// CustomSMSSender replaces the pool's SMS delivery: the func sends the
	// message, the plaintext code is in the request. The Response is empty.
	CustomSMSSender func(context.Context, *CustomSMSSenderEvent) error

	// DefineAuthChallenge decides each step of CUSTOM_AUTH from the session
	// history. The Response names the next challenge, or issues tokens, or
	// fails the authentication.
	DefineAuthChallenge func(context.Context, *DefineAuthChallengeEvent) error

	// CreateAuthChallenge creates a CUSTOM_CHALLENGE round. The Response
	// gives the public parameters returned to the client, the private
	// parameters kept on the server for VerifyAuthChallengeResponse, and
	// the round's metadata.
	CreateAuthChallenge func(context.Context, *CreateAuthChallengeEvent) error

	// VerifyAuthChallengeResponse checks the client's answer to a
	// CUSTOM_CHALLENGE round. The Response says whether it is correct.
	VerifyAuthChallengeResponse func(context.Context, *VerifyAuthChallengeResponseEvent) error

	// Timeout bounds each trigger invocation; zero means [DefaultTimeout].
	Timeout time.Duration
}

// EffectiveTimeout returns the timeout a trigger of s runs under: s.Timeout,
// or [DefaultTimeout] when s is nil or its Timeout is not positive.
func (s *Set) EffectiveTimeout() time.Duration {
	if s == nil || s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}
