// Package risk judges how risky a sign-in or a password is. It imports no
// other Cupola package: userpool asks it and acts on the answer.
//
// Passwords: [CommonPasswords] is an offline list of the 30,000 passwords
// seen most often in breaches, embedded in the binary (240 KB) and checked
// in well under a microsecond. [RangeChecker] asks a k-anonymity range
// service (Pwned Passwords' API, or any server of the same shape at a
// configured URL): only 5 hex digits of the SHA-1 leave the process, with
// padded answers. [Combined] asks the list first and the service only
// when the list does not know the password.
//
// Sign-ins: an [Assessor] turns [Signals] (address, user agent, device
// key, time, and the [History] the pool computes from its auth events)
// into an [Assessment]: a [Level] (Low, Medium, High), a score and the
// reasons. [NewDefaultAssessor] is transparent: named features with the
// documented weights of [Weights], optionally placing addresses with a
// MaxMind-format database ([OpenGeoIP]). A trained model plugs in as
// another Assessor.
//
// Failures never pass silently: an assessor or a breach service that fails
// returns an error wrapping [ErrUnavailable], and [FailMode] turns it into
// the configured answer (FailClosed, the zero value: High risk, breached
// password), returned together with the error. [ParseCIDRs] reads
// Cognito's BlockedIPRangeList and SkippedIPRangeList.
package risk
