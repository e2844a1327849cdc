// Package api is the commander's HTTP API: JSON under /api/v1, bearer-token
// auth with two roles, a Server-Sent Events stream of the fleet's snapshots
// and events, and the raster basemap (an XYZ tile server the daemon fetches
// from, or a local MBTiles file). Its routes are described by openapi.json,
// served at /api/v1/openapi.json and checked against the real routes by a
// test.
//
// The API reads the controller's published snapshots and sends it requests
// through the Controller interface; it never changes fleet state any other
// way. Every request is checked in full before the controller is asked, so a
// refused request changed nothing. Errors are JSON {"error", "status"}:
// 400 malformed, 401 no or unknown token, 403 role or origin refused, 404
// unknown drone/station/route, 409 no incident or one already open, 422 the
// controller refused the order (fleet.ErrInvalid, fleet.ErrLimit), 503 the
// controller is closing.
//
// Roles: a viewer token reads (and previews plans); a commander token also
// gives orders. With no tokens configured every request from a loopback
// address to a loopback host name is a commander's (the laptop in the
// command vehicle) and every other request is refused; CheckListen (and
// New) refuse such a configuration on a non-loopback address. Unsafe
// requests a browser marks cross-origin are refused whatever the token.
//
// The daemon mounts it beside the page:
//
//	a, err := api.New(api.Config{Addr: addr, Tokens: tokens, Basemap: basemap, Logger: log}, ctrl, teams)
//	if err != nil {
//		return err // bad config, or no tokens beyond loopback
//	}
//	defer func() {
//		if err := a.Close(); err != nil { // the basemap file's
//			log.Warn("console closed", "err", err)
//		}
//	}()
//	mux := http.NewServeMux()
//	mux.Handle("/api/", a)
//	mux.Handle("/", web.Handler())
//	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
//	// Streams never go idle by themselves. The error is reported by the
//	// deferred Close above, which returns it again.
//	srv.RegisterOnShutdown(func() { _ = a.Close() })
//
// Leave http.Server.WriteTimeout unset: the stream sets its own deadline on
// each write.
//
// Lifecycle, as across aerocell: what waits on its way down closes with
// Close(ctx) error, ctx bounding the wait; what only releases closes with
// Close() error. The Server only releases (it ends the streams and closes
// the basemap file), so its Close takes no context; http.Server.Shutdown
// is what waits for the handlers.
package api
