// Package risk judges how risky a sign-in or a password is. It imports no
// other Cupola package: userpool asks it and acts on the answer.
//
// Today it holds the compromised-password check: [CommonPasswords], an
// offline list of the 30,000 passwords seen most often in breaches,
// embedded in the binary (240 KB) and checked in well under a
// microsecond. Adaptive sign-in risk (device, network, place, velocity)
// is to come, with Cognito's threat-protection configuration.
package risk
