package trigger

import (
	"fmt"
	"log/slog"
)

// Redacted replaces a secret when an event or request is formatted or
// logged.
const Redacted = "[REDACTED]"

// The request and response parts that carry secrets (a password, a code, a
// challenge answer) implement fmt.Formatter, fmt.Stringer and
// slog.LogValuer with the secrets replaced by [Redacted], and their events
// implement slog.LogValuer, so fmt.Printf("%v", ev), slog.Any("event", ev)
// and the JSON handler's output never show them. json.Marshal still does:
// it is the Lambda event.

func redactString(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

func redactValues(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	r := make(map[string]string, len(m))
	for k := range m {
		r[k] = Redacted
	}
	return r
}

// formatAs prints v (a method-less copy with secrets replaced) with the
// verb and flags fmt asked for.
func formatAs(f fmt.State, verb rune, v any) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), v)
}

func commonAttrs(c Common) []slog.Attr {
	return []slog.Attr{
		slog.String("version", c.Version),
		slog.String("triggerSource", c.TriggerSource),
		slog.String("region", c.Region),
		slog.String("userPoolId", c.UserPoolID),
		slog.String("userName", c.UserName),
		slog.Group("callerContext",
			slog.String("awsSdkVersion", c.CallerContext.AWSSDKVersion),
			slog.String("clientId", c.CallerContext.ClientID)),
	}
}

func eventLogValue(c Common, request, response any) slog.Value {
	return slog.GroupValue(append(commonAttrs(c),
		slog.Any("request", request),
		slog.Any("response", response))...)
}

type redactedMigrateUserRequest MigrateUserRequest

func (r MigrateUserRequest) redacted() redactedMigrateUserRequest {
	r.Password = redactString(r.Password)
	return redactedMigrateUserRequest(r)
}

// Format prints the request with the password redacted.
func (r MigrateUserRequest) Format(f fmt.State, verb rune) { formatAs(f, verb, r.redacted()) }

// String returns the request with the password redacted.
func (r MigrateUserRequest) String() string { return fmt.Sprintf("%+v", r.redacted()) }

// LogValue logs the request with the password redacted.
func (r MigrateUserRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("password", redactString(r.Password)),
		slog.Any("validationData", r.ValidationData),
		slog.Any("clientMetadata", r.ClientMetadata))
}

// LogValue logs the event with the password redacted.
func (e MigrateUserEvent) LogValue() slog.Value {
	return eventLogValue(e.Common, e.Request, e.Response)
}

type redactedCustomEmailSenderRequest CustomEmailSenderRequest

func (r CustomEmailSenderRequest) redacted() redactedCustomEmailSenderRequest {
	r.Code = redactString(r.Code)
	return redactedCustomEmailSenderRequest(r)
}

// Format prints the request with the code redacted.
func (r CustomEmailSenderRequest) Format(f fmt.State, verb rune) { formatAs(f, verb, r.redacted()) }

// String returns the request with the code redacted.
func (r CustomEmailSenderRequest) String() string { return fmt.Sprintf("%+v", r.redacted()) }

// LogValue logs the request with the code redacted.
func (r CustomEmailSenderRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", r.Type),
		slog.String("code", redactString(r.Code)),
		slog.Any("clientMetadata", r.ClientMetadata),
		slog.Any("userAttributes", r.UserAttributes))
}

// LogValue logs the event with the code redacted.
func (e CustomEmailSenderEvent) LogValue() slog.Value {
	return eventLogValue(e.Common, e.Request, e.Response)
}

type redactedCustomSMSSenderRequest CustomSMSSenderRequest

func (r CustomSMSSenderRequest) redacted() redactedCustomSMSSenderRequest {
	r.Code = redactString(r.Code)
	return redactedCustomSMSSenderRequest(r)
}

// Format prints the request with the code redacted.
func (r CustomSMSSenderRequest) Format(f fmt.State, verb rune) { formatAs(f, verb, r.redacted()) }

// String returns the request with the code redacted.
func (r CustomSMSSenderRequest) String() string { return fmt.Sprintf("%+v", r.redacted()) }

// LogValue logs the request with the code redacted.
func (r CustomSMSSenderRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", r.Type),
		slog.String("code", redactString(r.Code)),
		slog.Any("clientMetadata", r.ClientMetadata),
		slog.Any("userAttributes", r.UserAttributes))
}

// LogValue logs the event with the code redacted.
func (e CustomSMSSenderEvent) LogValue() slog.Value {
	return eventLogValue(e.Common, e.Request, e.Response)
}

type redactedCreateAuthChallengeResponse CreateAuthChallengeResponse

func (r CreateAuthChallengeResponse) redacted() redactedCreateAuthChallengeResponse {
	r.PrivateChallengeParameters = redactValues(r.PrivateChallengeParameters)
	return redactedCreateAuthChallengeResponse(r)
}

// Format prints the response with the private parameters' values redacted.
func (r CreateAuthChallengeResponse) Format(f fmt.State, verb rune) {
	formatAs(f, verb, r.redacted())
}

// String returns the response with the private parameters' values redacted.
func (r CreateAuthChallengeResponse) String() string { return fmt.Sprintf("%+v", r.redacted()) }

// LogValue logs the response with the private parameters' values redacted.
func (r CreateAuthChallengeResponse) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("publicChallengeParameters", r.PublicChallengeParameters),
		slog.Any("privateChallengeParameters", redactValues(r.PrivateChallengeParameters)),
		slog.String("challengeMetadata", r.ChallengeMetadata))
}

// LogValue logs the event with the private parameters' values redacted.
func (e CreateAuthChallengeEvent) LogValue() slog.Value {
	return eventLogValue(e.Common, e.Request, e.Response)
}

type redactedVerifyAuthChallengeResponseRequest VerifyAuthChallengeResponseRequest

func (r VerifyAuthChallengeResponseRequest) redacted() redactedVerifyAuthChallengeResponseRequest {
	r.PrivateChallengeParameters = redactValues(r.PrivateChallengeParameters)
	r.ChallengeAnswer = redactString(r.ChallengeAnswer)
	return redactedVerifyAuthChallengeResponseRequest(r)
}

// Format prints the request with the answer and the private parameters'
// values redacted.
func (r VerifyAuthChallengeResponseRequest) Format(f fmt.State, verb rune) {
	formatAs(f, verb, r.redacted())
}

// String returns the request with the answer and the private parameters'
// values redacted.
func (r VerifyAuthChallengeResponseRequest) String() string {
	return fmt.Sprintf("%+v", r.redacted())
}

// LogValue logs the request with the answer and the private parameters'
// values redacted.
func (r VerifyAuthChallengeResponseRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("userAttributes", r.UserAttributes),
		slog.Any("privateChallengeParameters", redactValues(r.PrivateChallengeParameters)),
		slog.String("challengeAnswer", redactString(r.ChallengeAnswer)),
		slog.Any("clientMetadata", r.ClientMetadata),
		slog.Bool("userNotFound", r.UserNotFound))
}

// LogValue logs the event with the answer and the private parameters'
// values redacted.
func (e VerifyAuthChallengeResponseEvent) LogValue() slog.Value {
	return eventLogValue(e.Common, e.Request, e.Response)
}
