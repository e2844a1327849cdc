package api

import "errors"

// Errors the package returns; test them with errors.Is.
var (
	// ErrInsecureListen: the address is not loopback-only and no tokens are
	// configured, so anyone on the network could order the fleet.
	ErrInsecureListen = errors.New("api: refusing to listen beyond loopback without tokens")
	// ErrConfig: the configuration is invalid (the wrapped error names the field).
	ErrConfig = errors.New("api: invalid configuration")
	// ErrUnauthorized: the request has no bearer token or an unknown one.
	ErrUnauthorized = errors.New("api: missing or unknown bearer token")
	// ErrForbidden: the token's role does not allow the request.
	ErrForbidden = errors.New("api: forbidden")
	// ErrBadRequest: the request is malformed (the wrapped error says how).
	ErrBadRequest = errors.New("api: bad request")
	// ErrNoBasemap: no raster basemap is configured.
	ErrNoBasemap = errors.New("api: no basemap configured")
)
