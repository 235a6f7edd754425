package cognitoapi

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// The shapes Cognito's JSON shares between actions. Field names are
// Cognito's, spelt out in tags; absent fields are omitted.

// epoch is a time on the wire: seconds since 1970 as a JSON number with
// millisecond fractions, as Cognito sends dates.
type epoch time.Time

// MarshalJSON writes the seconds.
func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads the seconds.
func (t *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errMalformedDate
	}
	sec, frac := math.Modf(f)
	*t = epoch(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}

var errMalformedDate = paramErr("a date is not a number of seconds")

// when is t on the wire, or nil for the zero time (omitted).
func when(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// attributeType is Cognito's AttributeType.
type attributeType struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
}

func attributesIn(in []attributeType) []userpool.Attribute {
	if in == nil {
		return nil
	}
	out := make([]userpool.Attribute, len(in))
	for i, a := range in {
		out[i] = userpool.Attribute{Name: a.Name, Value: a.Value}
	}
	return out
}

func attributesOut(in []userpool.Attribute) []attributeType {
	out := make([]attributeType, len(in))
	for i, a := range in {
		out[i] = attributeType{Name: a.Name, Value: a.Value}
	}
	return out
}

// codeDeliveryDetailsType is Cognito's CodeDeliveryDetailsType.
type codeDeliveryDetailsType struct {
	Destination    string `json:"Destination,omitempty"`
	DeliveryMedium string `json:"DeliveryMedium,omitempty"`
	AttributeName  string `json:"AttributeName,omitempty"`
}

func delivery(d *userpool.CodeDeliveryDetails) *codeDeliveryDetailsType {
	if d == nil {
		return nil
	}
	return &codeDeliveryDetailsType{Destination: d.Destination, DeliveryMedium: d.DeliveryMedium, AttributeName: d.AttributeName}
}

// userContextDataType and contextDataType describe the end user.
type userContextDataType struct {
	IPAddress   string `json:"IpAddress,omitempty"`
	EncodedData string `json:"EncodedData,omitempty"`
}

func (u *userContextDataType) pool() *userpool.UserContextData {
	if u == nil {
		return nil
	}
	return &userpool.UserContextData{IPAddress: u.IPAddress, EncodedData: u.EncodedData}
}

type httpHeader struct {
	HeaderName  string `json:"headerName"`
	HeaderValue string `json:"headerValue"`
}

type contextDataType struct {
	IPAddress   string       `json:"IpAddress"`
	ServerName  string       `json:"ServerName"`
	ServerPath  string       `json:"ServerPath"`
	HTTPHeaders []httpHeader `json:"HttpHeaders"`
	EncodedData string       `json:"EncodedData,omitempty"`
}

func (c *contextDataType) pool() *userpool.ContextData {
	if c == nil {
		return nil
	}
	out := &userpool.ContextData{IPAddress: c.IPAddress, ServerName: c.ServerName, ServerPath: c.ServerPath, EncodedData: c.EncodedData}
	for _, h := range c.HTTPHeaders {
		out.HTTPHeaders = append(out.HTTPHeaders, userpool.HTTPHeader{HeaderName: h.HeaderName, HeaderValue: h.HeaderValue})
	}
	return out
}

// authenticationResultType is Cognito's AuthenticationResultType.
type authenticationResultType struct {
	AccessToken       string                 `json:"AccessToken,omitempty"`
	IDToken           string                 `json:"IdToken,omitempty"`
	RefreshToken      string                 `json:"RefreshToken,omitempty"`
	ExpiresIn         int32                  `json:"ExpiresIn"`
	TokenType         string                 `json:"TokenType,omitempty"`
	NewDeviceMetadata *newDeviceMetadataType `json:"NewDeviceMetadata,omitempty"`
}

type newDeviceMetadataType struct {
	DeviceKey      string `json:"DeviceKey,omitempty"`
	DeviceGroupKey string `json:"DeviceGroupKey,omitempty"`
}

func authResult(r *userpool.AuthenticationResult) *authenticationResultType {
	if r == nil {
		return nil
	}
	out := &authenticationResultType{AccessToken: r.AccessToken, IDToken: r.IDToken, RefreshToken: r.RefreshToken,
		ExpiresIn: r.ExpiresIn, TokenType: r.TokenType}
	if m := r.NewDeviceMetadata; m != nil {
		out.NewDeviceMetadata = &newDeviceMetadataType{DeviceKey: m.DeviceKey, DeviceGroupKey: m.DeviceGroupKey}
	}
	return out
}

// userType is Cognito's UserType.
type userType struct {
	Username             string          `json:"Username"`
	Attributes           []attributeType `json:"Attributes"`
	UserCreateDate       *epoch          `json:"UserCreateDate,omitempty"`
	UserLastModifiedDate *epoch          `json:"UserLastModifiedDate,omitempty"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus,omitempty"`
}

func user(u *userpool.UserType) *userType {
	if u == nil {
		return nil
	}
	return &userType{Username: u.Username, Attributes: attributesOut(u.Attributes), UserCreateDate: when(u.UserCreateDate),
		UserLastModifiedDate: when(u.UserLastModifiedDate), Enabled: u.Enabled, UserStatus: string(u.UserStatus)}
}

// empty is the answer of an action that returns nothing.
type empty struct{}
