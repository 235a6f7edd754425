package userpool

import (
	"context"
	"errors"
)

// ErrorCode is a Cognito exception name, so callers and HTTP layers can map
// Cupola errors onto what Cognito's clients expect.
type ErrorCode string

// Error codes, named as Cognito names them (cognito.md §9).
const (
	CodeNotAuthorized                  ErrorCode = "NotAuthorizedException"
	CodeUserNotFound                   ErrorCode = "UserNotFoundException"
	CodeUsernameExists                 ErrorCode = "UsernameExistsException"
	CodeAliasExists                    ErrorCode = "AliasExistsException"
	CodeCodeMismatch                   ErrorCode = "CodeMismatchException"
	CodeExpiredCode                    ErrorCode = "ExpiredCodeException"
	CodeInvalidPassword                ErrorCode = "InvalidPasswordException"
	CodeInvalidParameter               ErrorCode = "InvalidParameterException"
	CodeLimitExceeded                  ErrorCode = "LimitExceededException"
	CodeTooManyRequests                ErrorCode = "TooManyRequestsException"
	CodeUserNotConfirmed               ErrorCode = "UserNotConfirmedException"
	CodePasswordResetRequired          ErrorCode = "PasswordResetRequiredException"
	CodeCodeDeliveryFailure            ErrorCode = "CodeDeliveryFailureException"
	CodeResourceNotFound               ErrorCode = "ResourceNotFoundException"
	CodeRefreshTokenReuse              ErrorCode = "RefreshTokenReuseException"
	CodeUnsupportedOperation           ErrorCode = "UnsupportedOperationException"
	CodeUnsupportedTokenType           ErrorCode = "UnsupportedTokenTypeException"
	CodeUnsupportedUserState           ErrorCode = "UnsupportedUserStateException"
	CodeInvalidUserPoolConfig          ErrorCode = "InvalidUserPoolConfigurationException"
	CodeInternalError                  ErrorCode = "InternalErrorException"
	CodeUnauthorizedClient             ErrorCode = "UnauthorizedException"
	CodeForbidden                      ErrorCode = "ForbiddenException"
	CodeInvalidLambdaResponse          ErrorCode = "InvalidLambdaResponseException"
	CodeUserLambdaValidation           ErrorCode = "UserLambdaValidationException"
	CodeUnexpectedLambda               ErrorCode = "UnexpectedLambdaException"
	CodeTooManyFailedAttempts          ErrorCode = "TooManyFailedAttemptsException"
	CodePasswordHistoryViolation       ErrorCode = "PasswordHistoryPolicyViolationException"
	CodeWebAuthnNotEnabled             ErrorCode = "WebAuthnNotEnabledException"
	CodeWebAuthnChallengeNotFound      ErrorCode = "WebAuthnChallengeNotFoundException"
	CodeWebAuthnOriginNotAllowed       ErrorCode = "WebAuthnOriginNotAllowedException"
	CodeWebAuthnRelyingPartyMismatch   ErrorCode = "WebAuthnRelyingPartyMismatchException"
	CodeWebAuthnCredentialNotSupported ErrorCode = "WebAuthnCredentialNotSupportedException"
)

// Error is every error a UserPool operation returns to its caller. Message
// is safe to show to the end user; Err (never shown) keeps the cause for
// logs and errors.Is/As.
type Error struct {
	Code    ErrorCode
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error with the same Code, so the sentinels below work
// with errors.Is whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is. Each matches any *Error with its Code.
var (
	ErrNotAuthorized         = &Error{Code: CodeNotAuthorized}
	ErrUserNotFound          = &Error{Code: CodeUserNotFound}
	ErrUsernameExists        = &Error{Code: CodeUsernameExists}
	ErrAliasExists           = &Error{Code: CodeAliasExists}
	ErrCodeMismatch          = &Error{Code: CodeCodeMismatch}
	ErrExpiredCode           = &Error{Code: CodeExpiredCode}
	ErrInvalidPassword       = &Error{Code: CodeInvalidPassword}
	ErrInvalidParameter      = &Error{Code: CodeInvalidParameter}
	ErrLimitExceeded         = &Error{Code: CodeLimitExceeded}
	ErrUserNotConfirmed      = &Error{Code: CodeUserNotConfirmed}
	ErrPasswordResetRequired = &Error{Code: CodePasswordResetRequired}
	ErrCodeDeliveryFailure   = &Error{Code: CodeCodeDeliveryFailure}
	ErrResourceNotFound      = &Error{Code: CodeResourceNotFound}
	ErrRefreshTokenReuse     = &Error{Code: CodeRefreshTokenReuse}
	ErrUnsupportedOperation  = &Error{Code: CodeUnsupportedOperation}
	ErrUnsupportedTokenType  = &Error{Code: CodeUnsupportedTokenType}
	ErrUnsupportedUserState  = &Error{Code: CodeUnsupportedUserState}
	ErrInternal              = &Error{Code: CodeInternalError}
)

func newErr(code ErrorCode, msg string) *Error { return &Error{Code: code, Message: msg} }

func invalidParam(msg string) *Error { return newErr(CodeInvalidParameter, msg) }

// internalErr hides the cause from the caller's message but keeps it for
// errors.Is/As and logs. A cause that is the end of the caller's context
// is no internal error: it is answered as endedErr.
func internalErr(op string, err error) *Error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return endedErr(op, err)
	}
	return &Error{Code: CodeInternalError, Message: "internal error", Err: errors.Join(errors.New(op), err)}
}

// endedErr answers an operation whose caller went away or whose deadline
// passed: TooManyRequestsException (an overloaded pool is the usual reason
// a deadline passes; retry), with the context's error as the cause, so
// errors.Is matches context.Canceled or context.DeadlineExceeded.
func endedErr(op string, err error) *Error {
	return &Error{Code: CodeTooManyRequests, Message: "The request was cancelled or timed out; retry.", Err: errors.Join(errors.New(op), err)}
}

// ended is an entry point's answer err once its context ctx has ended:
// an InternalErrorException (or an error no *Error wraps) becomes endedErr,
// whatever words a store used for the cancellation. Other answers stand.
func ended(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	var e *Error
	if !errors.As(err, &e) {
		return endedErr("ended", errors.Join(ctx.Err(), err))
	}
	if e.Code != CodeInternalError {
		return err
	}
	return endedErr("ended", errors.Join(ctx.Err(), e.Err))
}

// Messages Cognito's clients match on (cognito.md §9).
const (
	msgIncorrect        = "Incorrect username or password."
	msgAttemptsExceeded = "Password attempts exceeded"
	msgDisabled         = "User is disabled."
	msgNotConfirmed     = "User is not confirmed."
	msgResetRequired    = "Password reset required for the user"
	msgInvalidToken     = "Invalid Access Token"
	msgInvalidRefresh   = "Invalid Refresh Token"
	msgCodeMismatch     = "Invalid verification code provided, please try again."
	msgCodeExpired      = "Invalid code provided, please request a code again."
	msgLimit            = "Attempt limit exceeded, please try after some time."
	msgUserNotExist     = "User does not exist."
)

// ErrTooManyRequests matches throttling and lost compare-and-swap races.
var ErrTooManyRequests = &Error{Code: CodeTooManyRequests}

// CodeGroupExists is GroupExistsException.
const CodeGroupExists ErrorCode = "GroupExistsException"

// ErrGroupExists matches GroupExistsException.
var ErrGroupExists = &Error{Code: CodeGroupExists}

// Sentinels for trigger failures.
var (
	ErrUserLambdaValidation  = &Error{Code: CodeUserLambdaValidation}
	ErrUnexpectedLambda      = &Error{Code: CodeUnexpectedLambda}
	ErrInvalidLambdaResponse = &Error{Code: CodeInvalidLambdaResponse}
)

// done is an operation's answer from the error of its last step: out when
// err is nil, else only err.
func done[T any](out *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return out, nil
}
