package cognitoapi_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// What Terraform, CDK and the CLI read on every run.
func TestAWSSDKToolingReads(t *testing.T) {
	e := newEnv(t)
	d, err := e.sdk.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
	if err != nil {
		t.Fatalf("DescribeUserPool: %v", err)
	}
	up := d.UserPool
	if aws.ToString(up.Id) != poolID || aws.ToString(up.Name) != "Wire" || up.MfaConfiguration != types.UserPoolMfaTypeOff ||
		up.Policies == nil || up.Policies.PasswordPolicy == nil || aws.ToString(up.Arn) != "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"+poolID {
		t.Fatalf("DescribeUserPool = %+v", up)
	}
	pools, err := e.sdk.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)})
	if err != nil || len(pools.UserPools) != 1 || aws.ToString(pools.UserPools[0].Id) != poolID {
		t.Fatalf("ListUserPools = %+v, %v", pools, err)
	}
	mfa, err := e.sdk.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID)})
	if err != nil || mfa.MfaConfiguration != types.UserPoolMfaTypeOff {
		t.Fatalf("GetUserPoolMfaConfig = %+v, %v", mfa, err)
	}
	if _, err := e.sdk.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOff}); err != nil {
		t.Fatalf("SetUserPoolMfaConfig to what the pool has: %v", err)
	}
	var ip *types.InvalidParameterException
	if _, err := e.sdk.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOn}); !errors.As(err, &ip) {
		t.Fatalf("SetUserPoolMfaConfig to a change: %v, want InvalidParameterException", err)
	}
	dom, err := e.sdk.DescribeUserPoolDomain(e.ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.test")})
	if err != nil || aws.ToString(dom.DomainDescription.UserPoolId) != poolID {
		t.Fatalf("DescribeUserPoolDomain = %+v, %v", dom, err)
	}

	arn := up.Arn
	if _, err := e.sdk.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"team": "auth", "env": "test"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := e.sdk.UntagResource(e.ctx, &cip.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tags, err := e.sdk.ListTagsForResource(e.ctx, &cip.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["team"] != "auth" {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}
	var rnf *types.ResourceNotFoundException
	if _, err := e.sdk.GetSigningCertificate(e.ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String(poolID)}); !errors.As(err, &rnf) {
		t.Fatalf("GetSigningCertificate without a SAML certificate: %v", err)
	}
	if _, err := e.sdk.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_nope")}); !errors.As(err, &rnf) {
		t.Fatalf("DescribeUserPool of an unknown pool: %v", err)
	}
}

func TestAWSSDKDeleteUserAttributesAndSettings(t *testing.T) {
	e := newEnv(t)
	if _, err := e.sdk.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("bob"),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Bob")}}}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := e.sdk.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String("bob"),
		Password: aws.String(goodPW), Permanent: true}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	auth, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": goodPW}})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	tok := auth.AuthenticationResult.AccessToken
	if _, err := e.sdk.DeleteUserAttributes(e.ctx, &cip.DeleteUserAttributesInput{AccessToken: tok, UserAttributeNames: []string{"name"}}); err != nil {
		t.Fatalf("DeleteUserAttributes: %v", err)
	}
	me, err := e.sdk.GetUser(e.ctx, &cip.GetUserInput{AccessToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range me.UserAttributes {
		if aws.ToString(a.Name) == "name" {
			t.Fatalf("name still there: %+v", me.UserAttributes)
		}
	}
	if _, err := e.sdk.AdminSetUserSettings(e.ctx, &cip.AdminSetUserSettingsInput{UserPoolId: aws.String(poolID), Username: aws.String("bob"),
		MFAOptions: []types.MFAOptionType{}}); err != nil {
		t.Fatalf("AdminSetUserSettings turning SMS MFA off: %v", err)
	}
}
