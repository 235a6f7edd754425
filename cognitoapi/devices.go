package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Devices: the signed-in user's own (public, by AccessToken) and any
// user's (signed, by UserPoolId). Cognito's DeviceType has no remembered
// status of its own: it is the device attribute
// dev:device_remembered_status, as Cognito lists it.

// rememberedStatusAttribute is the device attribute Cognito reports the
// remembered status in.
const rememberedStatusAttribute = "dev:device_remembered_status"

// deviceType is Cognito's DeviceType.
type deviceType struct {
	DeviceKey                   string          `json:"DeviceKey"`
	DeviceAttributes            []attributeType `json:"DeviceAttributes"`
	DeviceCreateDate            *epoch          `json:"DeviceCreateDate,omitempty"`
	DeviceLastModifiedDate      *epoch          `json:"DeviceLastModifiedDate,omitempty"`
	DeviceLastAuthenticatedDate *epoch          `json:"DeviceLastAuthenticatedDate,omitempty"`
}

func device(d *userpool.DeviceType) *deviceType {
	if d == nil {
		return nil
	}
	attrs := attributesOut(d.DeviceAttributes)
	if d.DeviceRememberedStatus != "" {
		attrs = append(attrs, attributeType{Name: rememberedStatusAttribute, Value: string(d.DeviceRememberedStatus)})
	}
	return &deviceType{DeviceKey: d.DeviceKey, DeviceAttributes: attrs, DeviceCreateDate: when(d.DeviceCreateDate),
		DeviceLastModifiedDate: when(d.DeviceLastModifiedDate), DeviceLastAuthenticatedDate: when(d.DeviceLastAuthenticatedDate)}
}

type deviceResponse struct {
	Device *deviceType `json:"Device"`
}

type devicesResponse struct {
	Devices         []*deviceType `json:"Devices"`
	PaginationToken string        `json:"PaginationToken,omitempty"`
}

func devices(out *userpool.ListDevicesOutput) devicesResponse {
	r := devicesResponse{Devices: []*deviceType{}, PaginationToken: out.PaginationToken}
	for i := range out.Devices {
		r.Devices = append(r.Devices, device(&out.Devices[i]))
	}
	return r
}

type deviceSecretVerifierConfigType struct {
	PasswordVerifier string `json:"PasswordVerifier"`
	Salt             string `json:"Salt"`
}

type confirmDeviceRequest struct {
	AccessToken                string                          `json:"AccessToken"`
	DeviceKey                  string                          `json:"DeviceKey"`
	DeviceName                 string                          `json:"DeviceName"`
	DeviceSecretVerifierConfig *deviceSecretVerifierConfigType `json:"DeviceSecretVerifierConfig"`
}

// confirmDevice registers the device's SRP verifier (device SRP, as
// Cognito's clients compute it).
func confirmDevice(ctx context.Context, h *handler, in *confirmDeviceRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	var cfg userpool.DeviceSecretVerifierConfig
	if in.DeviceSecretVerifierConfig != nil {
		cfg = userpool.DeviceSecretVerifierConfig{PasswordVerifier: in.DeviceSecretVerifierConfig.PasswordVerifier, Salt: in.DeviceSecretVerifierConfig.Salt}
	}
	out, err := p.ConfirmDevice(ctx, userpool.ConfirmDeviceInput{AccessToken: in.AccessToken, DeviceKey: in.DeviceKey,
		DeviceSecretVerifierConfig: cfg, DeviceName: in.DeviceName})
	if err != nil {
		return nil, err
	}
	return struct {
		UserConfirmationNecessary bool `json:"UserConfirmationNecessary"`
	}{out.UserConfirmationNecessary}, nil
}

// deviceRequest names a device: the signed-in user's (AccessToken) or a
// user's (UserPoolId and Username).
type deviceRequest struct {
	AccessToken            string `json:"AccessToken"`
	UserPoolID             string `json:"UserPoolId"`
	Username               string `json:"Username"`
	DeviceKey              string `json:"DeviceKey"`
	DeviceRememberedStatus string `json:"DeviceRememberedStatus"`
}

func getDevice(ctx context.Context, h *handler, in *deviceRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.GetDevice(ctx, userpool.GetDeviceInput{AccessToken: in.AccessToken, DeviceKey: in.DeviceKey})
	if err != nil {
		return nil, err
	}
	return deviceResponse{device(out.DeviceType)}, nil
}

func adminGetDevice(ctx context.Context, h *handler, in *deviceRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminGetDevice(ctx, userpool.AdminGetDeviceInput{Username: in.Username, DeviceKey: in.DeviceKey})
	if err != nil {
		return nil, err
	}
	return deviceResponse{device(out.DeviceType)}, nil
}

type listDevicesRequest struct {
	AccessToken     string `json:"AccessToken"`
	UserPoolID      string `json:"UserPoolId"`
	Username        string `json:"Username"`
	Limit           int    `json:"Limit"`
	PaginationToken string `json:"PaginationToken"`
}

func listDevices(ctx context.Context, h *handler, in *listDevicesRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.ListDevices(ctx, userpool.ListDevicesInput{AccessToken: in.AccessToken, Limit: in.Limit, PaginationToken: in.PaginationToken})
	if err != nil {
		return nil, err
	}
	return devices(out), nil
}

func adminListDevices(ctx context.Context, h *handler, in *listDevicesRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminListDevices(ctx, userpool.AdminListDevicesInput{Username: in.Username, Limit: in.Limit, PaginationToken: in.PaginationToken})
	if err != nil {
		return nil, err
	}
	return devices(out), nil
}

func updateDeviceStatus(ctx context.Context, h *handler, in *deviceRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.UpdateDeviceStatus(ctx, userpool.UpdateDeviceStatusInput{AccessToken: in.AccessToken, DeviceKey: in.DeviceKey,
		DeviceRememberedStatus: userpool.DeviceRememberedStatus(in.DeviceRememberedStatus)}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func adminUpdateDeviceStatus(ctx context.Context, h *handler, in *deviceRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminUpdateDeviceStatus(ctx, userpool.AdminUpdateDeviceStatusInput{Username: in.Username, DeviceKey: in.DeviceKey,
		DeviceRememberedStatus: userpool.DeviceRememberedStatus(in.DeviceRememberedStatus)}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func forgetDevice(ctx context.Context, h *handler, in *deviceRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.ForgetDevice(ctx, userpool.ForgetDeviceInput{AccessToken: in.AccessToken, DeviceKey: in.DeviceKey}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func adminForgetDevice(ctx context.Context, h *handler, in *deviceRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminForgetDevice(ctx, userpool.AdminForgetDeviceInput{Username: in.Username, DeviceKey: in.DeviceKey}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
