// aerocell commander's console. Plain JavaScript, no library: it reads the
// fleet from the daemon's API (/api/v1) over a Server-Sent Events stream and
// draws it on a canvas in a local projection about the incident area.
"use strict";

(function () {
  const API = "/api/v1";
  const NETS = ["public", "private"];
  const STATE_COLOUR = {
    on_station: "#2e7d32", launching: "#1565c0", transit: "#1565c0", returning: "#ef8f00",
    idle: "#78909c", lost: "#c62828", failed: "#c62828", manual: "#6a1b9a", excluded: "#37474f",
    on_task: "#00838f",
  };
  const STATE_LABEL = {
    on_station: "on station", launching: "launching", transit: "flying", returning: "returning",
    idle: "idle", lost: "LOST", failed: "FAILED", manual: "manual", excluded: "excluded",
    on_task: "on task",
  };
  const NET_STYLE = {
    public: { fill: "rgba(30,136,229,0.13)", line: "#1e88e5", dash: [] },
    private: { fill: "rgba(142,36,170,0.06)", line: "#8e24aa", dash: [8, 5] },
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k === "style") e.style.cssText = v; // CSSOM: allowed by the page's CSP
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };

  // ---- state ----
  const st = {
    token: "",
    role: "",
    snap: null,      // the latest View from the API
    area: [],        // incident polygons: [[ring of [lon,lat]]]
    noFly: [],
    preview: null,   // plan from /plan/preview, shown until deploy
    events: [],      // newest last
    lastSeq: 0,
    selected: 0,     // drone id
    picking: false,  // choosing a goto point
    alertAckSeq: 0,
    lastData: 0,
    basemap: null,   // {tiles, max_zoom}
    hillshade: null, // {bounds: [w, s, e, n], img} under the area, with a DEM
  };
  const view = { ox: NaN, oy: NaN, lon0: 0, lat0: 0, kx: 1, ky: 1, x: 0, y: 0, scale: 0.05, fitted: false };

  // ---- API ----
  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (st.token) h["Authorization"] = "Bearer " + st.token;
    return h;
  }
  async function api(method, path, body, contentType) {
    const opts = { method, headers: headers() };
    if (body !== undefined) {
      opts.headers["Content-Type"] = contentType || "application/json";
      opts.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const resp = await fetch(API + path, opts);
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!resp.ok) {
      const err = new Error((data && data.error) || resp.status + " " + resp.statusText);
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  function toast(msg, isError) {
    const t = $("toast");
    t.textContent = msg;
    t.className = "toast" + (isError ? " error" : "");
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, isError ? 8000 : 3500);
  }

  // ---- sign in ----
  async function signIn() {
    const m = location.hash.match(/token=([^&]+)/);
    if (m) {
      st.token = decodeURIComponent(m[1]);
      sessionStorage.setItem("aerocell.token", st.token);
      history.replaceState(null, "", location.pathname + location.search);
    } else {
      st.token = sessionStorage.getItem("aerocell.token") || "";
    }
    for (;;) {
      try {
        const me = await api("GET", "/me");
        st.role = me.role;
        $("role").textContent = me.name + " · " + me.role;
        document.body.classList.toggle("viewer", me.role !== "commander");
        return;
      } catch (e) {
        if (e.status !== 401 && e.status !== 403) throw e;
        st.token = await askToken(e.message);
        sessionStorage.setItem("aerocell.token", st.token);
      }
    }
  }
  function askToken(msg) {
    return new Promise((resolve) => {
      const d = $("login");
      $("login-error").textContent = st.token ? msg : "";
      d.onclose = () => resolve($("login-token").value.trim());
      d.showModal();
    });
  }

  // ---- stream ----
  async function stream() {
    let backoff = 500;
    for (;;) {
      try {
        const h = headers({ Accept: "text/event-stream" });
        if (st.lastSeq) h["Last-Event-ID"] = String(st.lastSeq);
        const resp = await fetch(API + "/stream", { headers: h, cache: "no-store" });
        if (!resp.ok) throw new Error("stream: " + resp.status);
        setConn(true);
        backoff = 500;
        const reader = resp.body.getReader();
        const dec = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            handleMessage(block);
          }
        }
      } catch (e) {
        console.warn(e);
      }
      setConn(false);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 8000);
    }
  }
  function handleMessage(block) {
    let kind = "message", data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) kind = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (!data) return;
    const msg = JSON.parse(data);
    if (kind === "snapshot") onSnapshot(msg);
    else if (kind === "event") onEvent(msg);
  }
  function setConn(up) {
    const c = $("conn");
    c.className = "conn " + (up ? "up" : "down");
    c.textContent = up ? "LIVE" : "NO LINK TO DAEMON";
  }
  setInterval(() => {
    if (!st.lastData) return;
    const age = (Date.now() - st.lastData) / 1000;
    if (age > 5) {
      const c = $("conn");
      c.className = "conn down";
      c.textContent = "DATA " + Math.round(age) + " s OLD";
    }
  }, 1000);

  // ---- data ----
  function areaPolygons(g) {
    if (!g) return [];
    if (g.type === "Polygon") return [g.coordinates];
    if (g.type === "MultiPolygon") return g.coordinates;
    if (g.type === "Feature") return areaPolygons(g.geometry);
    if (g.type === "FeatureCollection") return g.features.flatMap((f) => areaPolygons(f.geometry));
    return [];
  }

  function onSnapshot(v) {
    const hadIncident = st.snap && st.snap.incident && st.snap.incident.id;
    st.snap = v;
    st.lastData = Date.now();
    const inc = v.incident;
    if ((inc && inc.id) !== hadIncident) {
      st.area = inc ? areaPolygons(inc.area) : [];
      st.noFly = inc ? areaPolygons(inc.no_fly) : [];
      view.fitted = false;
      st.preview = null;
      loadHillshade();
    }
    if (v.plan && st.preview && (inc && inc.state !== "planned")) st.preview = null;
    if (!view.fitted) fit();
    render();
  }

  function onEvent(ev) {
    if (ev.seq && ev.seq <= st.lastSeq) return;
    st.lastSeq = Math.max(st.lastSeq, ev.seq || 0);
    st.events.push(ev);
    if (st.events.length > 300) st.events.shift();
    renderEvents();
    if (ev.severity === "critical" || ev.severity === "warning") showAlert(ev);
  }

  function showAlert(ev) {
    if (ev.seq <= st.alertAckSeq) return;
    const a = $("alert");
    a.className = "alert " + ev.severity;
    $("alert-text").textContent = fmtTime(ev.time) + " — " + ev.text + (ev.reason ? " (" + ev.reason + ")" : "");
    a.dataset.seq = ev.seq;
    a.hidden = false;
  }

  // ---- projection: equirectangular about the area's centre, metres ----
  function setOrigin(lon, lat) {
    view.lon0 = lon; view.lat0 = lat;
    view.ky = 111320;
    view.kx = 111320 * Math.cos(lat * Math.PI / 180);
  }
  const px = (lon) => (lon - view.lon0) * view.kx;
  const py = (lat) => (lat - view.lat0) * view.ky;
  const canvas = $("map");
  const ctx = canvas.getContext("2d");
  let W = 0, H = 0, DPR = 1;
  const sx = (x) => W / 2 + (x - view.x) * view.scale;
  const sy = (y) => H / 2 - (y - view.y) * view.scale;
  const toScreen = (lon, lat) => [sx(px(lon)), sy(py(lat))];
  const toLonLat = (X, Y) => {
    const x = view.x + (X - W / 2) / view.scale, y = view.y - (Y - H / 2) / view.scale;
    return [view.lon0 + x / view.kx, view.lat0 + y / view.ky];
  };

  // allPoints is what the view fits: the area, and the launch sites and
  // drones near it (a drone far away must not shrink the area to a dot).
  function allPoints() {
    const pts = [];
    for (const p of st.area) for (const r of p) for (const c of r) pts.push(c);
    if (!st.snap) return pts;
    const near = [];
    for (const s of st.snap.launch_sites) near.push([s.lon, s.lat]);
    for (const d of st.snap.drones) if (d.lat || d.lon) near.push([d.lon, d.lat]);
    for (const t of st.snap.teams || []) if (t.lat || t.lon) near.push([t.lon, t.lat]);
    if (!pts.length) return near;
    let minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
    for (const [lon, lat] of pts) {
      minx = Math.min(minx, lon); maxx = Math.max(maxx, lon);
      miny = Math.min(miny, lat); maxy = Math.max(maxy, lat);
    }
    const dx = maxx - minx, dy = maxy - miny;
    for (const [lon, lat] of near) {
      if (lon > minx - dx && lon < maxx + dx && lat > miny - dy && lat < maxy + dy) pts.push([lon, lat]);
    }
    return pts;
  }

  function fit() {
    const pts = allPoints();
    if (!pts.length || !W) return;
    let minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
    for (const [lon, lat] of pts) {
      minx = Math.min(minx, lon); maxx = Math.max(maxx, lon);
      miny = Math.min(miny, lat); maxy = Math.max(maxy, lat);
    }
    setOrigin((minx + maxx) / 2, (miny + maxy) / 2);
    const w = Math.max(px(maxx) - px(minx), 200), h = Math.max(py(maxy) - py(miny), 200);
    // keep clear of the legend along the bottom and the buttons on the right
    const bottom = legendHeight() + 30, right = 64, pad = st.area.length ? 24 : 90;
    view.scale = Math.min((W - right - 2 * pad) / w, (H - bottom - 2 * pad) / h);
    view.x = 0 + (right / 2) / view.scale;
    view.y = 0 - (bottom / 2) / view.scale;
    view.fitted = true;
  }

  function legendHeight() {
    const l = $("legend");
    return l ? l.getBoundingClientRect().height : 0;
  }

  function resize() {
    DPR = window.devicePixelRatio || 1;
    const r = canvas.getBoundingClientRect();
    W = r.width; H = r.height;
    canvas.width = Math.round(W * DPR);
    canvas.height = Math.round(H * DPR);
    if (!view.fitted) fit();
    draw();
  }
  window.addEventListener("resize", resize);

  // ---- pan and zoom: drag, wheel, pinch ----
  const pointers = new Map();
  let pinch = null;
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY, x0: e.offsetX, y0: e.offsetY });
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y), scale: view.scale };
    }
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    const dx = e.offsetX - p.x, dy = e.offsetY - p.y;
    p.x = e.offsetX; p.y = e.offsetY;
    if (pointers.size === 1) {
      view.x -= dx / view.scale; view.y += dy / view.scale;
      draw();
    } else if (pointers.size === 2 && pinch) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      zoomAt((a.x + b.x) / 2, (a.y + b.y) / 2, (pinch.scale * d / pinch.d) / view.scale);
    }
  });
  const endPointer = (e) => {
    const p = pointers.get(e.pointerId);
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    if (p && e.type === "pointerup" && Math.hypot(p.x - p.x0, p.y - p.y0) < 6) onTap(e.offsetX, e.offsetY);
  };
  canvas.addEventListener("pointerup", endPointer);
  canvas.addEventListener("pointercancel", endPointer);
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
  }, { passive: false });
  function zoomAt(X, Y, f) {
    const s = Math.min(Math.max(view.scale * f, 0.0005), 5);
    const wx = view.x + (X - W / 2) / view.scale, wy = view.y - (Y - H / 2) / view.scale;
    view.scale = s;
    view.x = wx - (X - W / 2) / s; view.y = wy + (Y - H / 2) / s;
    draw();
  }
  $("zoom-in").onclick = () => zoomAt(W / 2, H / 2, 1.5);
  $("zoom-out").onclick = () => zoomAt(W / 2, H / 2, 1 / 1.5);
  $("zoom-fit").onclick = () => { fit(); draw(); };
  $("show-public").onchange = () => st.snap && render();
  $("show-private").onchange = () => st.snap && render();

  function onTap(X, Y) {
    if (plugins.tap && plugins.tap(...toLonLat(X, Y))) return;
    if (st.picking) {
      const [lon, lat] = toLonLat(X, Y);
      st.picking = false;
      canvas.classList.remove("picking");
      $("pick-hint").hidden = true;
      orderGoto(lon, lat);
      return;
    }
    // Select the nearest drone within reach of a finger.
    let best = 0, bestD = 30;
    for (const [id, [x, y]] of screenPos) {
      const dd = Math.hypot(x - X, y - Y);
      if (dd < bestD) { best = id; bestD = dd; }
    }
    select(best);
  }

  // ---- drawing ----
  function pathPolygons(polys) {
    ctx.beginPath();
    for (const poly of polys) for (const ring of poly) {
      ring.forEach(([lon, lat], i) => {
        const [x, y] = toScreen(lon, lat);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.closePath();
    }
  }

  let hatch = null, noflyHatch = null;
  function patterns() {
    if (hatch) return;
    const mk = (colourA, colourB, dir) => {
      const c = document.createElement("canvas");
      c.width = c.height = 10;
      const g = c.getContext("2d");
      g.fillStyle = colourB; g.fillRect(0, 0, 10, 10);
      g.strokeStyle = colourA; g.lineWidth = 3;
      g.beginPath();
      if (dir > 0) { g.moveTo(-2, 12); g.lineTo(12, -2); g.moveTo(8, 12); g.lineTo(12, 8); g.moveTo(-2, 2); g.lineTo(2, -2); }
      else { g.moveTo(-2, -2); g.lineTo(12, 12); g.moveTo(8, -2); g.lineTo(12, 2); g.moveTo(-2, 8); g.lineTo(2, 12); }
      g.stroke();
      return ctx.createPattern(c, "repeat");
    };
    hatch = mk("rgba(229,57,53,0.55)", "rgba(229,57,53,0.16)", 1);
    noflyHatch = mk("rgba(0,0,0,0.45)", "rgba(0,0,0,0.06)", -1);
  }

  function stationOf(id) {
    const plan = st.snap && st.snap.plan;
    if (!plan) return null;
    return plan.stations.find((s) => s.id === id) || null;
  }

  // gapOf returns the uncovered polygons of a wanted network: as the
  // controller reports them, or the whole area while nothing covers it and
  // the controller has not reported a shape; null when not known.
  function gapOf(net) {
    const v = st.snap, inc = v && v.incident;
    if (!inc) return null;
    const wanted = inc.networks && inc.networks.length ? inc.networks : NETS;
    if (!wanted.includes(net)) return null;
    const f = ((v.uncovered && v.uncovered.features) || []).find((f) => f.properties.network === net);
    if (f) return f.geometry.coordinates;
    const frac = (v.coverage && v.coverage.fraction && v.coverage.fraction[net]) || 0;
    return frac === 0 ? st.area : null;
  }

  // footprintShapes returns the shapes each network's cells cover over
  // terrain (GeoJSON polygons from the API, one per drone), or null on flat
  // earth, where footprints are circles.
  function footprintShapes(net) {
    const fs = (st.snap && st.snap.footprints && st.snap.footprints.features) || [];
    if (!fs.length) return null;
    return fs.filter((f) => f.properties.network === net).map((f) => f.geometry.coordinates);
  }

  // footprints returns the circles each network's cells cover now: drones on
  // station with that cell on, radius from their station in the plan.
  function footprints(net) {
    const out = [];
    for (const d of (st.snap ? st.snap.drones : [])) {
      if (d.state !== "on_station") continue;
      const p = d.payload && d.payload[net];
      if (!p || p.state !== "on") continue;
      const s = stationOf(d.station);
      const r = s && s.radius_m && s.radius_m[net];
      if (r > 0) out.push({ lon: d.lon, lat: d.lat, r });
    }
    return out;
  }

  function draw() {
    if (!W) return;
    patterns();
    ctx.setTransform(DPR, 0, 0, DPR, 0, 0);
    ctx.fillStyle = "#e9ecef";
    ctx.fillRect(0, 0, W, H);
    if (!st.snap) return;
    drawBasemap();
    drawHillshade();
    if (!st.basemap && !st.hillshade) drawGrid();
    const show = { public: $("show-public").checked, private: $("show-private").checked };

    // incident area
    if (st.area.length) {
      pathPolygons(st.area);
      ctx.fillStyle = st.basemap || st.hillshade ? "rgba(255,255,255,0.25)" : "#fbfbf8";
      ctx.fill("evenodd");
    }
    // coverage footprints, clipped to nothing: a commander sees how far each cell reaches
    for (const net of NETS) {
      if (!show[net]) continue;
      const sty = NET_STYLE[net];
      ctx.fillStyle = sty.fill;
      const shapes = footprintShapes(net);
      if (shapes) {
        // over terrain: what each cell really covers, drawn as its shape
        for (const sh of shapes) { pathPolygons(sh); ctx.fill("evenodd"); }
        document.body.dataset.shapes = String(shapes.length);
        continue;
      }
      for (const c of footprints(net)) {
        ctx.beginPath();
        ctx.arc(sx(px(c.lon)), sy(py(c.lat)), c.r * view.scale, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    // uncovered parts, hatched red, inside the area only
    ctx.save();
    if (st.area.length) { pathPolygons(st.area); ctx.clip("evenodd"); }
    for (const net of NETS) {
      const g = gapOf(net);
      if (!show[net] || !g || !g.length) continue;
      pathPolygons(g);
      ctx.fillStyle = hatch;
      ctx.fill("evenodd");
    }
    ctx.restore();
    for (const net of NETS) {
      if (!show[net]) continue;
      const sty = NET_STYLE[net];
      ctx.strokeStyle = sty.line; ctx.lineWidth = 2; ctx.setLineDash(sty.dash);
      const shapes = footprintShapes(net);
      for (const sh of shapes || []) { pathPolygons(sh); ctx.stroke(); }
      for (const c of shapes ? [] : footprints(net)) {
        ctx.beginPath();
        ctx.arc(sx(px(c.lon)), sy(py(c.lat)), c.r * view.scale, 0, 2 * Math.PI);
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    if (st.area.length) {
      pathPolygons(st.area);
      ctx.strokeStyle = "#263238"; ctx.lineWidth = 2.5;
      ctx.stroke();
    }
    if (st.noFly.length) {
      pathPolygons(st.noFly);
      ctx.fillStyle = noflyHatch; ctx.fill("evenodd");
      ctx.setLineDash([6, 4]); ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.stroke(); ctx.setLineDash([]);
      for (const poly of st.noFly) {
        const c = centroid(poly[0]);
        label("NO FLY", c[0], c[1], "#000", "rgba(255,255,255,0.85)", true);
      }
    }
    drawPlan();
    drawSitesAndTethers();
    drawTeams();
    for (const layer of plugins.layers) layer(ctx, toScreen, view.scale);
    drawDrones();
    drawScale();
  }

  function centroid(ring) {
    let x = 0, y = 0;
    for (const [lon, lat] of ring) { const p = toScreen(lon, lat); x += p[0]; y += p[1]; }
    return [x / ring.length, y / ring.length];
  }

  function label(text, x, y, colour, bg, centre) {
    ctx.font = "600 12px system-ui, sans-serif";
    const w = ctx.measureText(text).width + 8;
    let X = centre ? x - w / 2 : x;
    if (!centre && X + w > W - 4) X = x - w - 24; // flip left at the right edge
    ctx.fillStyle = bg;
    ctx.fillRect(X, y - 9, w, 17);
    ctx.fillStyle = colour;
    ctx.textBaseline = "middle";
    ctx.fillText(text, X + 4, y);
  }

  function drawGrid() {
    // a faint 1-km (or 10-km) grid, so distance reads without a basemap
    const step = view.scale > 0.02 ? 1000 : 10000;
    const x0 = view.x - W / 2 / view.scale, x1 = view.x + W / 2 / view.scale;
    const y0 = view.y - H / 2 / view.scale, y1 = view.y + H / 2 / view.scale;
    if ((x1 - x0) / step > 200) return;
    ctx.strokeStyle = "rgba(0,0,0,0.06)"; ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = Math.ceil(x0 / step) * step; x < x1; x += step) { ctx.moveTo(sx(x), 0); ctx.lineTo(sx(x), H); }
    for (let y = Math.ceil(y0 / step) * step; y < y1; y += step) { ctx.moveTo(0, sy(y)); ctx.lineTo(W, sy(y)); }
    ctx.stroke();
  }

  function drawPlan() {
    const plan = st.preview || (st.snap.plan && st.snap.incident && st.snap.incident.state === "planned" ? st.snap.plan : null);
    if (!plan) {
      drawStationTargets();
      return;
    }
    for (const s of plan.stations) {
      const [x, y] = toScreen(s.lon, s.lat);
      for (const net of NETS) {
        const r = s.radius_m && s.radius_m[net];
        if (!r || !$("show-" + net).checked) continue;
        ctx.beginPath(); ctx.arc(x, y, r * view.scale, 0, 2 * Math.PI);
        ctx.setLineDash([3, 5]); ctx.strokeStyle = NET_STYLE[net].line; ctx.lineWidth = 1.5; ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.beginPath(); ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.fillStyle = "#fffde7"; ctx.fill(); ctx.strokeStyle = "#f57f17"; ctx.lineWidth = 2.5; ctx.stroke();
      ctx.fillStyle = "#000"; ctx.font = "700 11px system-ui"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText("P", x, y + 0.5); ctx.textAlign = "start";
      label(s.id + " · " + Math.round(s.alt_m) + " m", x + 12, y, "#5d4037", "rgba(255,253,231,0.9)");
    }
  }

  // drawStationTargets marks, while the plan is flown, each station that its
  // drone has not reached yet, with a line from the drone to it.
  function drawStationTargets() {
    const plan = st.snap.plan;
    if (!plan) return;
    for (const s of plan.stations) {
      const d = st.snap.drones.find((d) => d.station === s.id);
      if (d && d.state === "on_station") continue;
      const [x, y] = toScreen(s.lon, s.lat);
      if (d && (d.lat || d.lon)) {
        const [dx, dy] = toScreen(d.lon, d.lat);
        ctx.beginPath(); ctx.moveTo(dx, dy); ctx.lineTo(x, y);
        ctx.setLineDash([2, 4]); ctx.strokeStyle = "#f57f17"; ctx.lineWidth = 1.5; ctx.stroke(); ctx.setLineDash([]);
      }
      ctx.beginPath(); ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.strokeStyle = "#f57f17"; ctx.lineWidth = 2.5; ctx.stroke();
      label(s.id + (d ? "" : " · no drone"), x + 10, y + 12, d ? "#5d4037" : "#c62828", "rgba(255,253,231,0.9)");
    }
  }

  function drawSitesAndTethers() {
    ctx.lineWidth = 2; ctx.strokeStyle = "#37474f"; ctx.setLineDash([2, 3]);
    for (const d of st.snap.drones) {
      if (!d.tether) continue;
      const [a, b] = toScreen(d.tether.lon, d.tether.lat), [c, e] = toScreen(d.lon, d.lat);
      ctx.beginPath(); ctx.moveTo(a, b); ctx.lineTo(c, e); ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const s of st.snap.launch_sites) {
      const [x, y] = toScreen(s.lon, s.lat);
      ctx.fillStyle = "#37474f"; ctx.fillRect(x - 7, y - 7, 14, 14);
      ctx.fillStyle = "#fff"; ctx.font = "800 10px system-ui"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText("H", x, y + 0.5); ctx.textAlign = "start";
      label(s.name, x + 10, y + 12, "#263238", "rgba(255,255,255,0.8)");
    }
  }

  function drawTeams() {
    for (const t of st.snap.teams || []) {
      if (t.area && t.area.coordinates) {
        pathPolygons([t.area.coordinates]);
        ctx.fillStyle = "rgba(255,111,0,0.08)"; ctx.fill("evenodd");
        ctx.setLineDash([5, 4]); ctx.strokeStyle = "#ef6c00"; ctx.lineWidth = 2; ctx.stroke(); ctx.setLineDash([]);
        if (!t.lat && !t.lon) {
          const [cx, cy] = centroid(t.area.coordinates[0]);
          label(t.id + " area", cx, cy, "#bf360c", "rgba(255,255,255,0.85)", true);
        }
      }
      if (!t.lat && !t.lon) continue;
      const [x, y] = toScreen(t.lon, t.lat);
      if (t.accuracy_m > 0 && t.accuracy_m * view.scale > 8) {
        ctx.beginPath(); ctx.arc(x, y, t.accuracy_m * view.scale, 0, 2 * Math.PI);
        ctx.fillStyle = "rgba(255,111,0,0.12)"; ctx.fill();
      }
      ctx.save(); ctx.translate(x, y); ctx.rotate(Math.PI / 4);
      ctx.fillStyle = "#ff6f00"; ctx.strokeStyle = "#fff"; ctx.lineWidth = 2;
      ctx.fillRect(-6, -6, 12, 12); ctx.strokeRect(-6, -6, 12, 12);
      ctx.restore();
      label(t.id, x + 9, y, "#bf360c", "rgba(255,255,255,0.85)");
    }
  }

  function batteryColour(p) { return p < 0 ? "#455a64" : p < 25 ? "#c62828" : p < 45 ? "#b26a00" : "#1b5e20"; }

  // drawDrones fans out drones that stand on one spot (a launch site), each
  // on a short leg from the spot, so that every one can be seen and tapped.
  function drawDrones() {
    const placed = [];
    const groups = [];
    for (const d of [...st.snap.drones].sort((a, b) => a.id - b.id)) {
      if (!d.lat && !d.lon) continue;
      const [x, y] = toScreen(d.lon, d.lat);
      const g = groups.find((g) => Math.hypot(g.x - x, g.y - y) < 14);
      if (g) g.ds.push(d); else groups.push({ x, y, ds: [d] });
    }
    for (const g of groups) {
      const n = g.ds.length;
      g.ds.forEach((d, i) => {
        let x = g.x, y = g.y;
        if (n > 1) {
          const a = -Math.PI / 2 + 2 * Math.PI * i / n, r = 14 + 5 * n;
          x += r * Math.cos(a); y += r * Math.sin(a);
          ctx.beginPath(); ctx.moveTo(g.x, g.y); ctx.lineTo(x, y);
          ctx.strokeStyle = "rgba(38,50,56,0.6)"; ctx.lineWidth = 1; ctx.stroke();
        }
        d._x = x; d._y = y;
        placed.push(d);
      });
    }
    labelRects.length = 0;
    for (const d of placed) labelRects.push([d._x - 15, d._y - 15, 30, 30]);
    for (const d of placed) drawDrone(d, d._x, d._y);
    screenPos.clear();
    for (const d of placed) screenPos.set(d.id, [d._x, d._y]);
  }
  const screenPos = new Map();
  const labelRects = [];

  function drawDrone(d, x, y) {
    const colour = STATE_COLOUR[d.state] || "#000";
    if (d.id === st.selected) {
      ctx.beginPath(); ctx.arc(x, y, 20, 0, 2 * Math.PI);
      ctx.strokeStyle = "#ffeb3b"; ctx.lineWidth = 5; ctx.stroke();
    }
    ctx.save();
    ctx.translate(x, y);
    ctx.rotate((d.heading_deg || 0) * Math.PI / 180);
    ctx.beginPath();
    ctx.moveTo(0, -15); ctx.lineTo(10, 10); ctx.lineTo(0, 5); ctx.lineTo(-10, 10); ctx.closePath();
    ctx.fillStyle = colour; ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 2; ctx.stroke();
    ctx.restore();
    if (d.state === "lost" || d.state === "failed" || (d.link && !d.link.up)) {
      ctx.beginPath(); ctx.arc(x, y, 17, 0, 2 * Math.PI);
      ctx.setLineDash([4, 3]); ctx.strokeStyle = "#c62828"; ctx.lineWidth = 2.5; ctx.stroke(); ctx.setLineDash([]);
    }
    // label: id · altitude · battery
    const batt = Math.round(d.battery_pct);
    const head = "#" + d.id;
    const rest = " " + Math.round(d.alt_rel_m) + " m ";
    let bt = batt < 0 ? (d.tether ? "tether" : "?") : batt + "%";
    if (d.state === "lost" && d.link && d.link.last_heard) {
      const s = Math.max(0, Math.round((Date.now() - new Date(d.link.last_heard)) / 1000));
      if (s < 86400) bt += " · LOST " + (s < 120 ? s + " s" : Math.round(s / 60) + " min");
    }
    ctx.font = "700 13px system-ui, sans-serif";
    const w1 = ctx.measureText(head).width, w2 = ctx.measureText(rest).width, w3 = ctx.measureText(bt).width;
    const w = w1 + w2 + w3 + 10;
    // first place beside the marker that is on screen and overlaps no
    // label or marker already drawn
    const spots = [[x + 16, y - 14], [x - 16 - w, y - 14], [x + 16, y + 14], [x - 16 - w, y + 14], [x - w / 2, y - 34], [x - w / 2, y + 34]];
    let X = spots[0][0], Y = spots[0][1];
    for (const [cx, cy] of spots) {
      const r = [cx, cy - 10, w, 20];
      if (cx < 2 || cx + w > W - 2) continue;
      if (labelRects.some((o) => r[0] < o[0] + o[2] && o[0] < r[0] + r[2] && r[1] < o[1] + o[3] && o[1] < r[1] + r[3])) continue;
      X = cx; Y = cy;
      break;
    }
    labelRects.push([X, Y - 10, w, 20]);
    ctx.fillStyle = "rgba(255,255,255,0.93)";
    ctx.strokeStyle = colour; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.rect(X, Y - 10, w, 20); ctx.fill(); ctx.stroke();
    ctx.textBaseline = "middle";
    ctx.fillStyle = colour; ctx.fillText(head, X + 5, Y);
    ctx.fillStyle = "#263238"; ctx.font = "500 13px system-ui, sans-serif"; ctx.fillText(rest, X + 5 + w1, Y);
    ctx.fillStyle = batteryColour(d.battery_pct); ctx.font = "700 13px system-ui, sans-serif"; ctx.fillText(bt, X + 5 + w1 + w2, Y);
  }

  function drawScale() {
    // scale bar: the largest 1-2-5 length under 140 px
    const maxM = 140 / view.scale;
    const p = Math.pow(10, Math.floor(Math.log10(maxM)));
    let m = p;
    for (const k of [5, 2, 1]) if (k * p <= maxM) { m = k * p; break; }
    const base = H - legendHeight() - 12;
    const w = m * view.scale, x = 12, y = base - 6;
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(x - 6, y - 18, w + 60, 28);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x, y); ctx.lineTo(x + w, y); ctx.lineTo(x + w, y - 6); ctx.stroke();
    ctx.fillStyle = "#000"; ctx.font = "600 12px system-ui"; ctx.textBaseline = "alphabetic";
    ctx.fillText(m >= 1000 ? (m / 1000) + " km" : m + " m", x + w + 6, y);
    // north arrow
    const nx = W - 32, ny = base - 24;
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.beginPath(); ctx.arc(nx, ny, 17, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = "#000"; ctx.beginPath(); ctx.moveTo(nx, ny - 13); ctx.lineTo(nx + 6, ny + 4); ctx.lineTo(nx - 6, ny + 4); ctx.closePath(); ctx.fill();
    ctx.font = "800 11px system-ui"; ctx.textAlign = "center"; ctx.fillText("N", nx, ny + 14); ctx.textAlign = "start";
  }

  // ---- basemap: XYZ tiles through the daemon, drawn into the local projection ----
  const tiles = new Map();
  function drawBasemap() {
    const bm = st.basemap;
    if (!bm) return;
    const mPerPx = 1 / view.scale;
    let z = Math.round(Math.log2(156543.03 * Math.cos(view.lat0 * Math.PI / 180) / mPerPx));
    z = Math.max(0, Math.min(bm.max_zoom, z));
    const n = 1 << z;
    const tx = (lon) => Math.floor((lon + 180) / 360 * n);
    const ty = (lat) => { const r = lat * Math.PI / 180; return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n); };
    const lonOf = (x) => x / n * 360 - 180;
    const latOf = (y) => { const k = Math.PI - 2 * Math.PI * y / n; return 180 / Math.PI * Math.atan(0.5 * (Math.exp(k) - Math.exp(-k))); };
    const [lonA, latA] = toLonLat(0, 0), [lonB, latB] = toLonLat(W, H);
    const x0 = Math.max(0, tx(lonA)), x1 = Math.min(n - 1, tx(lonB));
    const y0 = Math.max(0, ty(latA)), y1 = Math.min(n - 1, ty(latB));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 80) return;
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) {
      const key = z + "/" + x + "/" + y;
      let t = tiles.get(key);
      if (!t) {
        t = { img: null };
        tiles.set(key, t);
        fetch(bm.tiles.replace("{z}", z).replace("{x}", x).replace("{y}", y), { headers: headers() })
          .then((r) => r.ok ? r.blob() : Promise.reject(r.status))
          .then((b) => createImageBitmap(b))
          .then((img) => {
            t.img = img;
            document.body.dataset.tiles = String(Number(document.body.dataset.tiles || 0) + 1);
            draw();
          })
          .catch(() => {});
      }
      if (!t.img) continue;
      const [ax, ay] = toScreen(lonOf(x), latOf(y)), [bx, by] = toScreen(lonOf(x + 1), latOf(y + 1));
      ctx.drawImage(t.img, ax, ay, bx - ax + 0.5, by - ay + 0.5);
    }
    if (tiles.size > 600) tiles.clear();
  }

  // ---- hillshade: the relief under the area, rendered by the daemon from its DEM ----
  async function loadHillshade() {
    st.hillshade = null;
    let info;
    try { info = await api("GET", "/hillshade"); } catch (e) { return; }
    if (!info || !info.enabled || !info.image || !info.bounds) return;
    try {
      const r = await fetch(info.image, { headers: headers() });
      if (!r.ok) return;
      const img = await createImageBitmap(await r.blob());
      st.hillshade = { bounds: info.bounds, img };
      draw();
    } catch (e) { console.warn(e); }
  }

  function drawHillshade() {
    const h = st.hillshade;
    if (!h) return;
    const [w, s, e, n] = h.bounds;
    const [ax, ay] = toScreen(w, n), [bx, by] = toScreen(e, s);
    ctx.globalAlpha = st.basemap ? 0.45 : 0.8;
    ctx.drawImage(h.img, ax, ay, bx - ax, by - ay);
    ctx.globalAlpha = 1;
    document.body.dataset.hillshade = "1";
  }

  // ---- panel ----
  function pct(f) { return (f * 100).toFixed(f >= 0.995 || f === 0 ? 0 : 1).replace(/\.0$/, "") + "%"; }
  function fmtTime(t) {
    const d = new Date(t);
    return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function render() {
    const v = st.snap;
    const inc = v.incident;
    $("incident-title").textContent = inc ? inc.name : "No incident";
    const s = $("incident-state");
    s.textContent = inc ? inc.state : "—";
    s.className = "pill state-" + (inc ? inc.state : "none");
    s.hidden = !inc;
    $("paused").hidden = !v.paused;
    $("btn-pause").textContent = v.paused ? "Resume automation" : "Pause automation";
    $("no-incident").hidden = !!inc;
    $("has-incident").hidden = !inc;
    $("btn-deploy").disabled = !inc || !(inc.state === "planned" || inc.state === "recalled");
    $("btn-recall").disabled = !inc || !(inc.state === "deploying" || inc.state === "holding");

    const target = (inc && inc.target_coverage) || 0.99;
    // What the commander is typing is kept until it is sent: the input is
    // neither focused nor untouched between the press and the release of
    // a click on "Set", and a refresh there used to send the old target.
    if (document.activeElement !== $("target") && !st.targetEdited) $("target").value = Math.round(target * 100);
    const wanted = inc && inc.networks && inc.networks.length ? inc.networks : NETS;
    for (const net of NETS) {
      const f = (v.coverage && v.coverage.fraction && v.coverage.fraction[net]) || 0;
      const num = $("cov-" + net);
      num.textContent = inc && wanted.includes(net) ? pct(f) : "—";
      num.dataset.fraction = String(f);
      num.className = "cov-num " + (!inc ? "" : f >= target - 1e-9 ? "good" : f >= target * 0.8 ? "mid" : "bad");
      $("cov-bar-" + net).style.width = (f * 100).toFixed(1) + "%";
      $("cov-target-" + net).style.left = (target * 100).toFixed(1) + "%";
      $("cov-target-" + net).title = "target " + pct(target);
      const short = target - f;
      // What this fleet can reach at best (its plan), against the target:
      // a commander sees at once whether the gap is the fleet's size or a
      // drone missing.
      const reach = v.plan && v.plan.coverage ? v.plan.coverage[net] : undefined;
      const reachNote = reach === undefined ? "" : " · fleet reaches " + pct(reach);
      $("cov-note-" + net).textContent = !inc || !wanted.includes(net) ? "" :
        (short > 1e-9 ? "target " + pct(target) + " (−" + (short * 100).toFixed(1) + " pts)" : "target " + pct(target) + " met") + reachNote;
    }
    const gaps = NETS.filter((n) => { const g = gapOf(n); return g && g.length && $("show-" + n).checked; });
    $("gap-label").textContent = gaps.length ? "Coverage gap: " + gaps.join(" + ") : "No coverage gap";
    const counts = {};
    for (const d of v.drones) counts[d.state] = (counts[d.state] || 0) + 1;
    const bits = [];
    const order = ["on_station", "transit", "launching", "returning", "idle", "manual", "excluded", "lost", "failed"];
    for (const k of order) if (counts[k]) bits.push("<b>" + counts[k] + "</b> " + STATE_LABEL[k]);
    $("fleet-summary").innerHTML = v.drones.length + " drones: " + (bits.join(" · ") || "none heard");
    renderDrones();
    renderDroneCard();
    for (const f of plugins.render) f(v);
    draw();
  }

  function stateBadge(state) {
    return el("span", { class: "state", style: "background:" + (STATE_COLOUR[state] || "#000"), text: STATE_LABEL[state] || state });
  }

  function renderDrones() {
    const tb = $("drone-list").tBodies[0];
    const drones = [...st.snap.drones].sort((a, b) => a.id - b.id);
    $("drone-count").textContent = "(" + drones.length + ")";
    const seen = new Set();
    drones.forEach((d, i) => {
      const b = Math.round(d.battery_pct);
      const batt = el("span", { class: "batt " + (b < 0 ? "" : b < 25 ? "low" : b < 45 ? "mid" : "") });
      batt.append(el("i", { style: "width:" + Math.max(0, Math.min(100, b)) + "%" }));
      const battText = b < 0 ? (d.tether ? "tether" : "n/a") : b + "%";
      const mins = b >= 0 && d.time_left_s > 0 && d.time_left_s < 86400 && d.state !== "idle" ? el("span", { class: "mins", title: "minutes of flight left", text: " " + Math.round(d.time_left_s / 60) + "′" }) : null;
      const link = d.link && d.link.up
        ? el("span", { text: d.link.loss_pct >= 1 ? Math.round(d.link.loss_pct) + "% loss" : "ok" })
        : el("span", { class: "link-down", text: "DOWN" });
      const cells = el("span");
      for (const net of NETS) {
        const p = d.payload && d.payload[net];
        if (!p) { cells.append(el("span", { class: "cell absent", title: "no " + net + " cell", text: "" })); continue; }
        cells.append(el("span", { class: "cell " + net + " " + p.state, title: net + " cell " + p.state + (p.users ? ", " + p.users + " users" : ""), text: net === "public" ? "P" : "R" }));
      }
      // Rows persist across updates, so that a tap lands on the row it aimed at.
      let tr = rows.get(d.id);
      if (!tr) {
        tr = el("tr", { "data-drone": String(d.id) });
        tr.onclick = () => select(d.id === st.selected ? 0 : d.id);
        rows.set(d.id, tr);
      }
      tr.dataset.state = d.state;
      tr.replaceChildren(
        el("td", { class: "id", text: String(d.id) }),
        el("td", {}, stateBadge(d.state)),
        el("td", {}, b >= 0 ? batt : null, el("span", { class: b >= 0 && b < 25 ? "low-text" : "", text: battText }), mins),
        el("td", {}, link),
        el("td", { class: "mode", text: (d.mode || "").toLowerCase() }),
        el("td", {}, cells));
      tr.classList.toggle("selected", d.id === st.selected);
      if (tb.children[i] !== tr) tb.insertBefore(tr, tb.children[i] || null);
      seen.add(d.id);
    });
    for (const [id, tr] of rows) if (!seen.has(id)) { tr.remove(); rows.delete(id); }
  }
  const rows = new Map();

  function select(id) {
    st.selected = id;
    renderDrones();
    renderDroneCard();
    draw();
  }
  $("drone-deselect").onclick = () => select(0);

  function droneByID(id) { return st.snap && st.snap.drones.find((d) => d.id === id); }

  function renderDroneCard() {
    const d = droneByID(st.selected);
    $("drone-card").hidden = !d;
    if (!d) return;
    $("drone-title").replaceChildren("Drone #" + d.id + " ", stateBadge(d.state));
    const rows = [
      ["Position", d.lat.toFixed(5) + ", " + d.lon.toFixed(5)],
      ["Altitude", Math.round(d.alt_rel_m) + " m above launch (" + Math.round(d.alt_msl_m) + " m MSL)"],
      ["Heading · speed", Math.round(d.heading_deg) + "° · " + d.speed_ms.toFixed(1) + " m/s"],
      ["Battery", d.battery_pct < 0 ? (d.tether ? "powered by the tether" : "unknown") : Math.round(d.battery_pct) + "% · " + d.voltage_v.toFixed(1) + " V" + (d.time_left_s > 0 && d.time_left_s < 86400 ? " · " + Math.round(d.time_left_s / 60) + " min left" : "")],
      ["Link", d.link && d.link.up ? "up, " + d.link.loss_pct.toFixed(0) + "% loss, " + d.link.rate_hz.toFixed(0) + " Hz" + (d.link.via && d.link.via.length ? " via " + d.link.via.join(", ") : "") : "DOWN since " + fmtTime(d.link && d.link.last_heard)],
      ["Mode", (d.armed ? "armed · " : "disarmed · ") + (d.mode || "?")],
      ["Station", d.station || (d.relief_for ? "relief for " + d.relief_for : "—")],
      ["Profile", d.profile + (d.tether ? " · tethered to " + d.tether.site + " (" + Math.round(d.tether.length_m) + " m)" : "")],
    ];
    if (d.status_text) rows.push(["Last message", d.status_text]);
    rows.push(["Commands sent", String(d.commands || 0)]);
    const dl = $("drone-detail");
    dl.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
    const excluded = d.state === "excluded";
    document.querySelector('[data-order="exclude"]').textContent = excluded ? "Give back to auto" : "Exclude";
    const s = stationOf(d.station);
    const pin = document.querySelector('[data-order="pin"]');
    pin.textContent = s && s.pinned ? "Unpin station" : "Pin station";
    pin.disabled = !d.station;
    document.querySelector('[data-order="release"]').disabled = d.state !== "manual";
  }

  function renderEvents() {
    const ol = $("events");
    const items = st.events.slice(-80).reverse().map((ev) =>
      el("li", { class: ev.severity, "data-seq": String(ev.seq) },
        el("time", { text: fmtTime(ev.time) }),
        ev.text,
        ev.reason ? el("span", { class: "reason", text: " — " + ev.reason }) : null));
    ol.replaceChildren(...items);
  }

  // ---- orders, each behind a confirmation ----
  // The answer is taken when it is given (the form's submit, as the button
  // is pressed), not from the dialog's close event: that event comes in a
  // later task, and when the next order's dialog opens before it, the
  // event would answer the new dialog with the old one's value and the
  // old order would never be sent. The close event still answers a dialog
  // closed another way (Escape) while no other has opened since.
  let answerPending = null;
  function answerConfirm(ok) {
    const answer = answerPending;
    answerPending = null;
    if (answer) answer(ok);
  }
  $("confirm").querySelector("form").addEventListener("submit", (e) => answerConfirm(!!e.submitter && e.submitter.value === "ok"));
  $("confirm").addEventListener("close", () => { if (!$("confirm").open) answerConfirm($("confirm").returnValue === "ok"); });
  function confirmOrder(title, text, opts) {
    answerConfirm(false); // a dialog asked over before it was answered is a no
    return new Promise((resolve) => {
      const d = $("confirm");
      $("confirm-title").textContent = title;
      $("confirm-text").textContent = text;
      $("confirm-ok").textContent = (opts && opts.ok) || "Confirm";
      $("confirm-ok").className = (opts && opts.danger) ? "danger" : "primary";
      $("confirm-alt-row").hidden = !(opts && opts.alt);
      d.returnValue = "";
      answerPending = resolve;
      if (!d.open) d.showModal();
      $("confirm-cancel").focus();
    });
  }

  async function run(what, fn, done) {
    try {
      await fn();
      toast(done || what + ": accepted");
    } catch (e) {
      toast(what + " refused: " + e.message, true);
    }
  }

  $("btn-preview").onclick = () => run("Plan preview", async () => {
    const p = await api("GET", "/plan/preview");
    st.preview = p;
    showPlan(p);
    draw();
  }, "Plan preview shown on the map: nothing flies until you deploy");

  function showPlan(p) {
    const ps = $("plan-summary");
    const cov = NETS.filter((n) => p.coverage && p.coverage[n] != null).map((n) => n + " " + pct(p.coverage[n])).join(", ");
    ps.textContent = "Plan: " + p.stations.length + " stations" + (cov ? ", expected " + cov : "") +
      (p.lower_bound ? " (at least " + Math.ceil(p.lower_bound) + " needed)" : "") + (p.reason ? ". " + p.reason : "");
    ps.hidden = false;
  }

  $("btn-deploy").onclick = async () => {
    let p = st.preview;
    if (!p) {
      try { p = await api("GET", "/plan/preview"); st.preview = p; showPlan(p); draw(); } catch (e) { toast("Plan preview refused: " + e.message, true); return; }
    }
    const cov = NETS.filter((n) => p.coverage && p.coverage[n] != null).map((n) => n + " " + pct(p.coverage[n])).join(", ");
    if (!await confirmOrder("Deploy the fleet?", "Fly " + p.stations.length + " stations over " + st.snap.incident.name + (cov ? " for an expected " + cov : "") + ". Drones will take off.", { ok: "Deploy" })) return;
    run("Deploy", async () => { await api("POST", "/deploy"); st.preview = null; $("plan-summary").hidden = true; });
  };
  $("btn-recall").onclick = async () => {
    if (!await confirmOrder("Recall every drone?", "All drones of this incident return to their launch sites. Coverage will be lost.", { ok: "Recall all", danger: true })) return;
    run("Recall", () => api("POST", "/recall"));
  };
  $("btn-pause").onclick = async () => {
    const paused = st.snap && st.snap.paused;
    const text = paused ? "Automation will rotate, replace and replan drones again." : "Drones hold where they are; no rotation, failover or replanning until you resume.";
    if (!await confirmOrder(paused ? "Resume automation?" : "Pause automation?", text, { ok: paused ? "Resume" : "Pause" })) return;
    run(paused ? "Resume" : "Pause", () => api("POST", paused ? "/resume" : "/pause"));
  };
  $("btn-close").onclick = async () => {
    if (!await confirmOrder("Close the incident?", "The incident ends. Recall the drones first if any are flying.", { ok: "Close incident", danger: true })) return;
    run("Close incident", () => api("DELETE", "/incident"));
  };
  $("btn-create").onclick = async () => {
    const f = $("new-area").files[0];
    const name = $("new-name").value.trim();
    if (!f) { toast("Choose a GeoJSON file of the area first", true); return; }
    const text = await f.text();
    run("Open incident", () => api("POST", "/incident" + (name ? "?name=" + encodeURIComponent(name) : ""), text, "application/geo+json"));
  };
  $("target").oninput = () => { st.targetEdited = true; };
  $("btn-target").onclick = async () => {
    const v = Number($("target").value);
    if (!(v > 0 && v <= 100)) { toast("Target coverage must be a percentage from 1 to 100", true); return; }
    await run("Target " + v + "%", () => api("PATCH", "/incident", { target_coverage: v / 100 }));
    st.targetEdited = false;
  };
  $("alert-ack").onclick = () => {
    st.alertAckSeq = Number($("alert").dataset.seq || 0);
    $("alert").hidden = true;
  };

  const ORDER_TEXT = {
    rtl: ["Return drone #%d home?", "It leaves its station and flies back to its launch site.", "Return home", true],
    land: ["Land drone #%d where it is?", "It descends and lands at its current position, which may be in the disaster area.", "Land here", true],
    release: ["Release drone #%d to automation?", "The controller takes it back and may send it anywhere.", "Release", false],
  };
  for (const b of document.querySelectorAll("[data-order]")) {
    b.onclick = async () => {
      const d = droneByID(st.selected);
      if (!d) return;
      const kind = b.dataset.order;
      if (kind === "goto") {
        st.picking = true;
        canvas.classList.add("picking");
        $("pick-hint").hidden = false;
        return;
      }
      if (kind === "exclude") {
        const ex = d.state !== "excluded";
        if (!await confirmOrder((ex ? "Exclude" : "Give back") + " drone #" + d.id + "?", ex ? "Automation stops using this drone; it stays where it is until you order it." : "Automation may use this drone again.", { ok: ex ? "Exclude" : "Give back" })) return;
        run(ex ? "Exclude" : "Include", () => api("POST", "/drones/" + d.id + "/exclude", { excluded: ex }));
        return;
      }
      if (kind === "pin") {
        const s = stationOf(d.station);
        const pin = !(s && s.pinned);
        if (!await confirmOrder((pin ? "Pin" : "Unpin") + " station " + d.station + "?", pin ? "Replanning will keep this station where it is." : "Replanning may move this station.", { ok: pin ? "Pin" : "Unpin" })) return;
        run(pin ? "Pin" : "Unpin", () => api("POST", "/drones/" + d.id + "/pin", { pinned: pin }));
        return;
      }
      const [title, text, ok, danger] = ORDER_TEXT[kind];
      if (!await confirmOrder(title.replace("%d", d.id), text, { ok, danger })) return;
      run(ok, () => api("POST", "/drones/" + d.id + "/orders", { kind }));
    };
  }
  $("pick-cancel").onclick = () => { st.picking = false; canvas.classList.remove("picking"); $("pick-hint").hidden = true; };

  async function orderGoto(lon, lat) {
    const d = droneByID(st.selected);
    if (!d) return;
    $("confirm-alt").value = Math.max(10, Math.round(d.alt_rel_m || 100));
    if (!await confirmOrder("Send drone #" + d.id + " to this point?", "Go to " + lat.toFixed(5) + ", " + lon.toFixed(5) + ". It leaves automation until you release it.", { ok: "Go", alt: true })) return;
    const alt = Number($("confirm-alt").value);
    run("Go to", () => api("POST", "/drones/" + d.id + "/orders", { kind: "goto", lat, lon, alt_m: alt }));
  }

  // ---- plug-ins ----
  // Other scripts of the page (tasks.js) add map layers, panels and a tap
  // handler through window.aerocell, without reaching into this file's
  // state: a layer draws with the page's projection after the teams, a
  // render hook gets each snapshot, a tap handler that returns true takes
  // the tap.
  const plugins = { layers: [], render: [], tap: null };
  window.aerocell = {
    plugins, api, toast, confirmOrder, run,
    redraw: () => draw(),
    snapshot: () => st.snap,
    commander: () => st.role === "commander",
    pickMode: (on) => canvas.classList.toggle("picking", on),
    // project is the map's projection now: lon/lat to the canvas's pixels.
    project: (lon, lat) => toScreen(lon, lat),
  };

  // ---- start ----
  async function start() {
    resize();
    try {
      await signIn();
    } catch (e) {
      setConn(false);
      toast("Cannot reach the daemon: " + e.message, true);
      setTimeout(start, 3000);
      return;
    }
    try {
      const bm = await api("GET", "/basemap");
      st.basemap = bm && bm.enabled ? bm : null;
    } catch (e) { st.basemap = null; }
    try {
      const evs = await api("GET", "/events?tail=200");
      for (const ev of evs) onEvent(ev);
      $("alert").hidden = true;
    } catch (e) { console.warn(e); }
    document.body.dataset.ready = "1";
    stream();
  }
  start();
})();
