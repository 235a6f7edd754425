// Package cognitoapi serves user pools over Cognito's own wire protocol,
// AWS JSON 1.1 as https://cognito-idp.<region>.amazonaws.com/ speaks it, so
// clients written for Cognito — the AWS SDKs, the AWS CLI, Amplify —
// talk to Cupola unchanged:
//
//	h, err := cognitoapi.New([]*userpool.UserPool{pool}, cognitoapi.Options{
//		AccessKeys: map[string]string{"AKIDEXAMPLE": adminSecret},
//	})
//	http.Handle("/", h)
//
//	aws cognito-idp --endpoint-url http://127.0.0.1:8080 admin-get-user \
//	    --user-pool-id us-east-1_Example --username alice
//
// Every request is POST / with X-Amz-Target:
// AWSCognitoIdentityProviderService.<Action> and a JSON body in Cognito's
// shapes; answers are Cognito's JSON (dates as epoch seconds, absent
// fields omitted), errors {"__type": "...Exception", "message": "..."}
// with Cognito's status codes, and every answer carries x-amzn-RequestId.
// The request and answer types are this package's own, with explicit JSON
// tags: the wire format does not move when the Go API does.
//
// Public actions (SignUp, InitiateAuth, RespondToAuthChallenge, GetUser…)
// need no signature: they find their pool by ClientId, or by the issuer of
// their AccessToken. Admin actions (Admin*, ListUsers…) find their pool by
// UserPoolId and need AWS Signature Version 4 by one of
// Options.AccessKeys: the signature is recomputed with the AWS SDK's
// signer and compared in constant time, a date more than five minutes off
// is refused, and a signature is accepted once.
//
// An action of Cognito's API the handler does not implement answers
// UnsupportedOperationException; a target that is no Cognito action
// answers UnknownOperationException. Malformed JSON is a
// SerializationException. Nothing a client sends causes a 500.
package cognitoapi
