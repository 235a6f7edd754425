// Package trigger defines Cupola's triggers: the Go counterpart of Cognito's
// Lambda triggers, through which an application validates sign-ups, adds
// claims to tokens, migrates users lazily, writes or delivers its own
// messages, and builds custom (for example passwordless) sign-in flows.
//
// A trigger is a func that takes a context and a pointer to an event. Every
// event is the Cognito Lambda event: a [Common] envelope (version,
// triggerSource, region, userPoolId, userName, callerContext), a Request the
// trigger reads and a Response it may fill in. Field names and JSON tags are
// Cognito's, so json.Marshal of an event is the JSON a Lambda function
// receives, and a handler written for Cognito can run unchanged behind an
// HTTP endpoint ([HTTP]).
//
// A pool's triggers are a [Set], one func field per trigger; each field's
// documentation says what its Response may change. The pool runs every
// trigger through [Invoke], which bounds it by a deadline ([Set.Timeout],
// default 5 s), hands it a private copy of the event, adopts only the
// Response, and turns a panic into an error. A returned error aborts the
// operation; the pool reports it as Cognito does ("PreSignUp failed with
// error <msg>.").
//
// The package is plain data plus the invocation helpers: it imports nothing
// else of Cupola, so a trigger can be written without importing userpool.
//
// Example: confirm sign-ups from one domain without a code.
//
//	triggers := trigger.Set{
//		PreSignUp: func(ctx context.Context, ev *trigger.PreSignUpEvent) error {
//			if strings.HasSuffix(ev.Request.UserAttributes["email"], "@example.com") {
//				ev.Response.AutoConfirmUser = true
//				ev.Response.AutoVerifyEmail = true
//			}
//			return nil
//		},
//	}
//
// The same trigger served by an existing Lambda-style handler:
//
//	triggers.PreSignUp = trigger.HTTP[trigger.PreSignUpEvent](
//		"https://triggers.example.com/pre-sign-up",
//		trigger.HTTPOptions{Secret: secret}) // ≥ 32 bytes
//
// The receiving service checks each request with a [Receiver], which
// verifies the signature and takes each delivery once, so a captured
// request cannot be replayed.
//
// Secrets in events: MigrateUser's password, the custom senders' codes and
// the custom challenge's private parameters and answer are redacted when an
// event is printed with fmt or logged with log/slog; its JSON (the Lambda
// event) carries them, so never log an event's JSON.
package trigger
