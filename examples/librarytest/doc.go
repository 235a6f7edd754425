// Package librarytest shows how a service that embeds Cupola tests its own
// sign-up and sign-in code: a user pool on the in-memory store, cheap
// password hashing and a fake clock from userpool/pooltest, and the
// message outbox standing in for email. Everything runs in-process in
// microseconds. Its tests live in package librarytest_test, outside the
// module's own packages, so they use only what a library user can import.
package librarytest
