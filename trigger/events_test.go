package trigger

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Shared test data: every field gets a distinct non-zero value, so a field
// missing on either side shows up as a difference.
var (
	testAttrs    = map[string]string{"email": "jane@example.com", "sub": "4f1c0c3e-1111-2222-3333-444455556666"}
	testMeta     = map[string]string{"source": "web"}
	testValidate = map[string]string{"captcha": "ok"}
	testRole     = "arn:aws:iam::123456789012:role/admin"
	testHeader   = events.CognitoEventUserPoolsHeader{
		Version:       "1",
		Region:        "eu-west-1",
		UserPoolID:    "eu-west-1_Pool",
		UserName:      "jane",
		CallerContext: events.CognitoEventUserPoolsCallerContext{AWSSDKVersion: "aws-sdk-go-v2", ClientID: "client1"},
	}
)

func testCommon(version, source string) Common {
	return Common{
		Version:       version,
		TriggerSource: source,
		Region:        "eu-west-1",
		UserPoolID:    "eu-west-1_Pool",
		UserName:      "jane",
		CallerContext: CallerContext{AWSSDKVersion: "aws-sdk-go-v2", ClientID: "client1"},
	}
}

func header(version, source string) events.CognitoEventUserPoolsHeader {
	h := testHeader
	h.Version, h.TriggerSource = version, source
	return h
}

// parityCase pairs one of our events with the aws-lambda-go type for the
// same trigger, both filled with the same data.
type parityCase struct {
	name   string
	ours   any      // pointer to our filled event
	theirs any      // pointer to their filled event
	extra  []string // paths our JSON has and theirs lacks
}

func parityCases() []parityCase {
	groups := GroupConfiguration{GroupsToOverride: []string{"admins"}, IAMRolesToOverride: []string{testRole}, PreferredRole: &testRole}
	awsGroups := events.GroupConfiguration{GroupsToOverride: []string{"admins"}, IAMRolesToOverride: []string{testRole}, PreferredRole: &testRole}
	awsGroupsV2 := events.GroupConfigurationV2_0(awsGroups)
	session := []ChallengeResult{{ChallengeName: ChallengePasswordVerifier, ChallengeResult: true, ChallengeMetadata: "pw"}}
	awsSession := []*events.CognitoEventUserPoolsChallengeResult{{ChallengeName: ChallengePasswordVerifier, ChallengeResult: true, ChallengeMetadata: "pw"}}

	return []parityCase{
		{
			name: "pre sign-up",
			ours: &PreSignUpEvent{
				Common:   testCommon("1", TriggerPreSignUpSignUp),
				Request:  PreSignUpRequest{UserAttributes: testAttrs, ValidationData: testValidate, ClientMetadata: testMeta},
				Response: PreSignUpResponse{AutoConfirmUser: true, AutoVerifyEmail: true, AutoVerifyPhone: true},
			},
			theirs: &events.CognitoEventUserPoolsPreSignup{
				CognitoEventUserPoolsHeader: header("1", TriggerPreSignUpSignUp),
				Request:                     events.CognitoEventUserPoolsPreSignupRequest{UserAttributes: testAttrs, ValidationData: testValidate, ClientMetadata: testMeta},
				Response:                    events.CognitoEventUserPoolsPreSignupResponse{AutoConfirmUser: true, AutoVerifyEmail: true, AutoVerifyPhone: true},
			},
		},
		{
			name: "post confirmation",
			ours: &PostConfirmationEvent{
				Common:  testCommon("1", TriggerPostConfirmationConfirmSignUp),
				Request: PostConfirmationRequest{UserAttributes: testAttrs, ClientMetadata: testMeta},
			},
			theirs: &events.CognitoEventUserPoolsPostConfirmation{
				CognitoEventUserPoolsHeader: header("1", TriggerPostConfirmationConfirmSignUp),
				Request:                     events.CognitoEventUserPoolsPostConfirmationRequest{UserAttributes: testAttrs, ClientMetadata: testMeta},
			},
		},
		{
			name: "pre authentication",
			ours: &PreAuthenticationEvent{
				Common:  testCommon("1", TriggerPreAuthenticationAuthentication),
				Request: PreAuthenticationRequest{UserAttributes: testAttrs, ValidationData: testValidate, ClientMetadata: testMeta, UserNotFound: true},
			},
			theirs: &events.CognitoEventUserPoolsPreAuthentication{
				CognitoEventUserPoolsHeader: header("1", TriggerPreAuthenticationAuthentication),
				Request:                     events.CognitoEventUserPoolsPreAuthenticationRequest{UserAttributes: testAttrs, ValidationData: testValidate, UserNotFound: true},
			},
			// aws-lambda-go lacks it; Cognito sends it to PreAuthentication.
			extra: []string{"request.clientMetadata"},
		},
		{
			name: "post authentication",
			ours: &PostAuthenticationEvent{
				Common:  testCommon("1", TriggerPostAuthenticationAuthentication),
				Request: PostAuthenticationRequest{UserAttributes: testAttrs, NewDeviceUsed: true, ClientMetadata: testMeta},
			},
			theirs: &events.CognitoEventUserPoolsPostAuthentication{
				CognitoEventUserPoolsHeader: header("1", TriggerPostAuthenticationAuthentication),
				Request:                     events.CognitoEventUserPoolsPostAuthenticationRequest{UserAttributes: testAttrs, NewDeviceUsed: true, ClientMetadata: testMeta},
			},
		},
		{
			name: "pre token generation V1",
			ours: &PreTokenGenerationEvent{
				Common:  testCommon("1", TriggerTokenGenerationAuthentication),
				Request: PreTokenGenerationRequest{UserAttributes: testAttrs, GroupConfiguration: groups, ClientMetadata: testMeta},
				Response: PreTokenGenerationResponse{ClaimsOverrideDetails: &ClaimsOverrideDetails{
					ClaimsToAddOrOverride: map[string]string{"tenant": "acme"},
					ClaimsToSuppress:      []string{"email"},
					GroupOverrideDetails:  &GroupConfiguration{GroupsToOverride: []string{"readers"}, IAMRolesToOverride: []string{testRole}, PreferredRole: &testRole},
				}},
			},
			theirs: &events.CognitoEventUserPoolsPreTokenGen{
				CognitoEventUserPoolsHeader: header("1", TriggerTokenGenerationAuthentication),
				Request:                     events.CognitoEventUserPoolsPreTokenGenRequest{UserAttributes: testAttrs, GroupConfiguration: awsGroups, ClientMetadata: testMeta},
				Response: events.CognitoEventUserPoolsPreTokenGenResponse{ClaimsOverrideDetails: events.ClaimsOverrideDetails{
					ClaimsToAddOrOverride: map[string]string{"tenant": "acme"},
					ClaimsToSuppress:      []string{"email"},
					GroupOverrideDetails:  events.GroupConfiguration{GroupsToOverride: []string{"readers"}, IAMRolesToOverride: []string{testRole}, PreferredRole: &testRole},
				}},
			},
		},
		{
			name: "pre token generation V2",
			ours: &PreTokenGenerationV2Event{
				Common:  testCommon("2", TriggerTokenGenerationRefreshTokens),
				Request: PreTokenGenerationV2Request{UserAttributes: testAttrs, GroupConfiguration: groups, Scopes: []string{"openid", "email"}, ClientMetadata: testMeta},
				Response: PreTokenGenerationV2Response{ClaimsAndScopeOverrideDetails: &ClaimsAndScopeOverrideDetails{
					IDTokenGeneration: &TokenGeneration{
						ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "level": 3.0, "tags": []any{"a", "b"}, "nested": map[string]any{"x": true}},
						ClaimsToSuppress:      []string{"email"},
					},
					AccessTokenGeneration: &AccessTokenGeneration{
						ClaimsToAddOrOverride: map[string]any{"plan": "pro"},
						ClaimsToSuppress:      []string{"phone_number"},
						ScopesToAdd:           []string{"api/read"},
						ScopesToSuppress:      []string{"email"},
					},
					GroupOverrideDetails: &GroupConfiguration{GroupsToOverride: []string{"readers"}, IAMRolesToOverride: []string{testRole}, PreferredRole: &testRole},
				}},
			},
			theirs: &events.CognitoEventUserPoolsPreTokenGenV2_0{
				CognitoEventUserPoolsHeader: header("2", TriggerTokenGenerationRefreshTokens),
				Request:                     events.CognitoEventUserPoolsPreTokenGenRequestV2_0{UserAttributes: testAttrs, GroupConfiguration: awsGroupsV2, Scopes: []string{"openid", "email"}, ClientMetadata: testMeta},
				Response: events.CognitoEventUserPoolsPreTokenGenResponseV2_0{ClaimsAndScopeOverrideDetails: events.ClaimsAndScopeOverrideDetailsV2_0{
					IDTokenGeneration: events.IDTokenGenerationV2_0{
						ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "level": 3.0, "tags": []any{"a", "b"}, "nested": map[string]any{"x": true}},
						ClaimsToSuppress:      []string{"email"},
					},
					AccessTokenGeneration: events.AccessTokenGenerationV2_0{
						ClaimsToAddOrOverride: map[string]any{"plan": "pro"},
						ClaimsToSuppress:      []string{"phone_number"},
						ScopesToAdd:           []string{"api/read"},
						ScopesToSuppress:      []string{"email"},
					},
					GroupOverrideDetails: events.GroupConfigurationV2_0{GroupsToOverride: []string{"readers"}, IAMRolesToOverride: []string{testRole}, PreferredRole: &testRole},
				}},
			},
		},
		{
			name: "user migration",
			ours: &MigrateUserEvent{
				Common:  testCommon("1", TriggerUserMigrationAuthentication),
				Request: MigrateUserRequest{Password: "hunter2hunter2", ValidationData: testValidate, ClientMetadata: testMeta},
				Response: MigrateUserResponse{
					UserAttributes: testAttrs, FinalUserStatus: FinalUserStatusConfirmed, MessageAction: MessageActionSuppress,
					DesiredDeliveryMediums: []string{DeliveryMediumEmail}, ForceAliasCreation: true, EnableSMSMFA: true,
				},
			},
			theirs: &events.CognitoEventUserPoolsMigrateUser{
				CognitoEventUserPoolsHeader:             header("1", TriggerUserMigrationAuthentication),
				CognitoEventUserPoolsMigrateUserRequest: events.CognitoEventUserPoolsMigrateUserRequest{Password: "hunter2hunter2", ValidationData: testValidate, ClientMetadata: testMeta},
				CognitoEventUserPoolsMigrateUserResponse: events.CognitoEventUserPoolsMigrateUserResponse{
					UserAttributes: testAttrs, FinalUserStatus: FinalUserStatusConfirmed, MessageAction: MessageActionSuppress,
					DesiredDeliveryMediums: []string{DeliveryMediumEmail}, ForceAliasCreation: true,
				},
			},
			// aws-lambda-go lacks it; Cognito documents it.
			extra: []string{"response.enableSMSMFA"},
		},
		{
			name: "custom message",
			ours: &CustomMessageEvent{
				Common:   testCommon("1", TriggerCustomMessageSignUp),
				Request:  CustomMessageRequest{UserAttributes: testAttrs, CodeParameter: "{####}", UsernameParameter: "{username}", LinkParameter: "{##Verify##}", ClientMetadata: testMeta},
				Response: CustomMessageResponse{SMSMessage: "code {####}", EmailMessage: "<p>code {####}</p>", EmailSubject: "Welcome"},
			},
			theirs: &events.CognitoEventUserPoolsCustomMessage{
				CognitoEventUserPoolsHeader: header("1", TriggerCustomMessageSignUp),
				Request:                     events.CognitoEventUserPoolsCustomMessageRequest{UserAttributes: map[string]any{"email": testAttrs["email"], "sub": testAttrs["sub"]}, CodeParameter: "{####}", UsernameParameter: "{username}", ClientMetadata: testMeta},
				Response:                    events.CognitoEventUserPoolsCustomMessageResponse{SMSMessage: "code {####}", EmailMessage: "<p>code {####}</p>", EmailSubject: "Welcome"},
			},
			// aws-lambda-go lacks it; Cognito documents it.
			extra: []string{"request.linkParameter"},
		},
		{
			name: "define auth challenge",
			ours: &DefineAuthChallengeEvent{
				Common:   testCommon("1", TriggerDefineAuthChallengeAuthentication),
				Request:  DefineAuthChallengeRequest{UserAttributes: testAttrs, Session: session, ClientMetadata: testMeta, UserNotFound: true},
				Response: DefineAuthChallengeResponse{ChallengeName: ChallengeCustom, IssueTokens: true, FailAuthentication: true},
			},
			theirs: &events.CognitoEventUserPoolsDefineAuthChallenge{
				CognitoEventUserPoolsHeader: header("1", TriggerDefineAuthChallengeAuthentication),
				Request:                     events.CognitoEventUserPoolsDefineAuthChallengeRequest{UserAttributes: testAttrs, Session: awsSession, ClientMetadata: testMeta, UserNotFound: true},
				Response:                    events.CognitoEventUserPoolsDefineAuthChallengeResponse{ChallengeName: ChallengeCustom, IssueTokens: true, FailAuthentication: true},
			},
		},
		{
			name: "create auth challenge",
			ours: &CreateAuthChallengeEvent{
				Common:   testCommon("1", TriggerCreateAuthChallengeAuthentication),
				Request:  CreateAuthChallengeRequest{UserAttributes: testAttrs, ChallengeName: ChallengeCustom, Session: session, ClientMetadata: testMeta, UserNotFound: true},
				Response: CreateAuthChallengeResponse{PublicChallengeParameters: map[string]string{"hint": "mail"}, PrivateChallengeParameters: map[string]string{"answer": "424242"}, ChallengeMetadata: "CODE-1"},
			},
			theirs: &events.CognitoEventUserPoolsCreateAuthChallenge{
				CognitoEventUserPoolsHeader: header("1", TriggerCreateAuthChallengeAuthentication),
				Request:                     events.CognitoEventUserPoolsCreateAuthChallengeRequest{UserAttributes: testAttrs, ChallengeName: ChallengeCustom, Session: awsSession, ClientMetadata: testMeta, UserNotFound: true},
				Response:                    events.CognitoEventUserPoolsCreateAuthChallengeResponse{PublicChallengeParameters: map[string]string{"hint": "mail"}, PrivateChallengeParameters: map[string]string{"answer": "424242"}, ChallengeMetadata: "CODE-1"},
			},
		},
		{
			name: "verify auth challenge response",
			ours: &VerifyAuthChallengeResponseEvent{
				Common:   testCommon("1", TriggerVerifyAuthChallengeResponseAuthentication),
				Request:  VerifyAuthChallengeResponseRequest{UserAttributes: testAttrs, PrivateChallengeParameters: map[string]string{"answer": "424242"}, ChallengeAnswer: "424242", ClientMetadata: testMeta, UserNotFound: true},
				Response: VerifyAuthChallengeResponseResponse{AnswerCorrect: true},
			},
			theirs: &events.CognitoEventUserPoolsVerifyAuthChallenge{
				CognitoEventUserPoolsHeader: header("1", TriggerVerifyAuthChallengeResponseAuthentication),
				Request:                     events.CognitoEventUserPoolsVerifyAuthChallengeRequest{UserAttributes: testAttrs, PrivateChallengeParameters: map[string]string{"answer": "424242"}, ChallengeAnswer: "424242", ClientMetadata: testMeta, UserNotFound: true},
				Response:                    events.CognitoEventUserPoolsVerifyAuthChallengeResponse{AnswerCorrect: true},
			},
		},
	}
}

// jsonValue decodes JSON into generic values and removes the given paths.
func jsonValue(t *testing.T, b []byte, drop ...string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	for _, path := range drop {
		parts := strings.Split(path, ".")
		m, _ := v.(map[string]any)
		for _, p := range parts[:len(parts)-1] {
			m, _ = m[p].(map[string]any)
		}
		if _, ok := m[parts[len(parts)-1]]; !ok {
			t.Fatalf("path %s not in %s", path, b)
		}
		delete(m, parts[len(parts)-1])
	}
	return v
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEventJSONMatchesAWSLambdaGo(t *testing.T) {
	for _, tc := range parityCases() {
		t.Run(tc.name+": our event decodes into the aws-lambda-go type and back unchanged", func(t *testing.T) {
			assertNoZeroField(t, reflect.ValueOf(tc.ours).Elem(), "")
			ours := mustMarshal(t, tc.ours)
			theirs := reflect.New(reflect.TypeOf(tc.theirs).Elem()).Interface()
			if err := json.Unmarshal(ours, theirs); err != nil {
				t.Fatalf("unmarshal into %T: %v", theirs, err)
			}
			back := mustMarshal(t, theirs)
			if got, want := jsonValue(t, back), jsonValue(t, ours, tc.extra...); !reflect.DeepEqual(got, want) {
				t.Errorf("aws-lambda-go sees\n%s\nwe sent\n%s", back, ours)
			}
		})
		t.Run(tc.name+": the aws-lambda-go event decodes into ours with no unknown field", func(t *testing.T) {
			theirs := mustMarshal(t, tc.theirs)
			ours := reflect.New(reflect.TypeOf(tc.ours).Elem()).Interface()
			dec := json.NewDecoder(bytes.NewReader(theirs))
			dec.DisallowUnknownFields()
			if err := dec.Decode(ours); err != nil {
				t.Fatalf("decode into %T: %v", ours, err)
			}
			back := mustMarshal(t, ours)
			if got, want := jsonValue(t, back, tc.extra...), jsonValue(t, theirs); !reflect.DeepEqual(got, want) {
				t.Errorf("we see\n%s\naws-lambda-go sent\n%s", back, theirs)
			}
			// Our extras are the only difference from the filled event.
			want := reflect.New(reflect.TypeOf(tc.ours).Elem())
			want.Elem().Set(reflect.ValueOf(tc.ours).Elem())
			if got, w := jsonValue(t, back, tc.extra...), jsonValue(t, mustMarshal(t, want.Interface()), tc.extra...); !reflect.DeepEqual(got, w) {
				t.Errorf("decoded event differs from the one filled:\n%s", back)
			}
		})
	}
}

// Cognito's custom sender events have no aws-lambda-go type: this is the
// shape the Cognito developer guide documents.
func TestCustomSenderEventsMatchCognitoShape(t *testing.T) {
	const fixture = `{
		"version": "1",
		"triggerSource": "%s",
		"region": "eu-west-1",
		"userPoolId": "eu-west-1_Pool",
		"userName": "jane",
		"callerContext": {"awsSdkVersion": "aws-sdk-go-v2", "clientId": "client1"},
		"request": {
			"type": "%s",
			"code": "123456",
			"clientMetadata": {"source": "web"},
			"userAttributes": {"email": "jane@example.com", "sub": "4f1c0c3e-1111-2222-3333-444455556666"}
		},
		"response": {}
	}`
	tests := []struct {
		name  string
		event any
		json  string
	}{
		{
			name: "custom email sender",
			event: &CustomEmailSenderEvent{
				Common:  testCommon("1", TriggerCustomEmailSenderSignUp),
				Request: CustomEmailSenderRequest{Type: CustomEmailSenderRequestV1, Code: "123456", ClientMetadata: testMeta, UserAttributes: testAttrs},
			},
			json: strings.ReplaceAll(strings.ReplaceAll(fixture, `"%s",
		"region"`, `"`+TriggerCustomEmailSenderSignUp+`",
		"region"`), `"type": "%s"`, `"type": "`+CustomEmailSenderRequestV1+`"`),
		},
		{
			name: "custom SMS sender",
			event: &CustomSMSSenderEvent{
				Common:  testCommon("1", TriggerCustomSMSSenderAuthentication),
				Request: CustomSMSSenderRequest{Type: CustomSMSSenderRequestV1, Code: "123456", ClientMetadata: testMeta, UserAttributes: testAttrs},
			},
			json: strings.ReplaceAll(strings.ReplaceAll(fixture, `"%s",
		"region"`, `"`+TriggerCustomSMSSenderAuthentication+`",
		"region"`), `"type": "%s"`, `"type": "`+CustomSMSSenderRequestV1+`"`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name+" marshals to the documented event", func(t *testing.T) {
			if got, want := jsonValue(t, mustMarshal(t, tc.event)), jsonValue(t, []byte(tc.json)); !reflect.DeepEqual(got, want) {
				t.Errorf("got %s\nwant %s", mustMarshal(t, tc.event), tc.json)
			}
		})
		t.Run(tc.name+" decodes the documented event with no unknown field", func(t *testing.T) {
			got := reflect.New(reflect.TypeOf(tc.event).Elem()).Interface()
			dec := json.NewDecoder(strings.NewReader(tc.json))
			dec.DisallowUnknownFields()
			if err := dec.Decode(got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.event) {
				t.Errorf("got %+v\nwant %+v", got, tc.event)
			}
		})
	}
}

// assertNoZeroField fails for any zero leaf, so the parity data exercises
// every field.
func assertNoZeroField(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			assertNoZeroField(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is nil", path)
			return
		}
		assertNoZeroField(t, v.Elem(), path)
	default:
		if v.IsZero() {
			t.Errorf("%s is zero", path)
		}
	}
}

func TestTriggerSourceConstantsAreNamedAfterTheirValues(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "sources.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			value, err := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
			if err != nil {
				t.Fatal(err)
			}
			if want := "Trigger" + strings.ReplaceAll(value, "_", ""); vs.Names[0].Name != want {
				t.Errorf("%s = %q, want the name %s", vs.Names[0].Name, value, want)
			}
			if seen[value] {
				t.Errorf("%q defined twice", value)
			}
			seen[value] = true
		}
	}
	// cognito.md §5: 3 PreSignUp, 2 PostConfirmation, 1 each Pre/Post
	// authentication and Define/Create/Verify, 6 TokenGeneration, 2
	// UserMigration, 7 CustomMessage, 8 each custom sender, 1
	// InboundFederation.
	if want := 3 + 2 + 2 + 3 + 6 + 2 + 7 + 8 + 8 + 1; len(seen) != want {
		t.Errorf("%d trigger sources, want %d", len(seen), want)
	}
}
