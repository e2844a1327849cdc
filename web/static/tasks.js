// Tasks on the commander's console (issue 12): the drops, surveys and fire
// tasks drawn on the map, with the route of the drone flying each and a
// survey's planned lines and the footprints of its photos taken so far;
// listed in the panel, where a task awaiting approval is approved or
// cancelled; a supply drop placed by a tap on the map, and a survey drawn
// on it corner by corner. Every order goes to the API, which checks it;
// a refusal is shown with its reason. It talks to the page only through
// window.aerocell (see app.js, "plug-ins").
"use strict";

(function () {
  const ac = window.aerocell;
  if (!ac) return;
  const $ = (id) => document.getElementById(id);
  const KIND_COLOUR = { drop: "#00838f", survey: "#6d4c41", fire: "#d84315" };
  const FINAL = new Set(["done", "failed", "refused", "cancelled"]);
  let placing = false;
  // sketch is the survey being drawn: its corners [lon, lat], and whether
  // it is closed (its form open); null when not drawing.
  let sketch = null;
  // project is the map's projection of the last frame, lon/lat to pixels.
  let project = null;
  // plans are the survey plans read from the API, by task: the key they
  // were read for (see planKey), the GeoJSON, or the error.
  const plans = new Map();
  const PLAN_REFRESH_S = 5;
  const CLOSE_PX = 14; // a tap this near the first corner closes the polygon

  const clock = (t) => (t && !t.startsWith("0001") ? new Date(t).toISOString().slice(11, 19) : "—");
  function what(t) {
    switch (t.kind) {
      case "drop": return "drop " + t.mass_kg + " kg";
      case "fire": return "fire " + t.litres + " L";
      case "survey": return "survey " + t.gsd_cm + " cm/px";
    }
    return t.kind;
  }

  // drawTasks draws each task not refused, failed or cancelled: a drop as a
  // diamond, a fire as a flame-coloured ring, a survey as its polygon; the
  // route of the drone flying it as a dashed line; a done task faded.
  function drawTasks(ctx, toScreen) {
    project = toScreen;
    drawPlans(ctx, toScreen);
    drawSketch(ctx, toScreen);
    const v = ac.snapshot();
    if (!v || !v.tasks) return;
    for (const t of v.tasks) {
      if (FINAL.has(t.status) && t.status !== "done") continue;
      const colour = KIND_COLOUR[t.kind] || "#333";
      ctx.save();
      ctx.globalAlpha = t.status === "done" ? 0.45 : 1;
      let at = null;
      if (t.polygon && t.polygon.length > 2) {
        ctx.beginPath();
        let cx = 0, cy = 0;
        t.polygon.forEach(([lon, lat], i) => {
          const [x, y] = toScreen(lon, lat);
          if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
          cx += x; cy += y;
        });
        ctx.closePath();
        ctx.fillStyle = colour + "33";
        ctx.fill();
        ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.setLineDash([5, 3]); ctx.stroke(); ctx.setLineDash([]);
        at = [cx / t.polygon.length, cy / t.polygon.length];
      }
      if (t.point) at = toScreen(t.point[0], t.point[1]);
      if (!at) { ctx.restore(); continue; }
      const d = t.drone && v.drones.find((x) => x.id === t.drone);
      if (d && !FINAL.has(t.status)) {
        const [x, y] = toScreen(d.lon, d.lat);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(at[0], at[1]);
        ctx.strokeStyle = colour; ctx.lineWidth = 2.5; ctx.setLineDash([2, 6]); ctx.stroke(); ctx.setLineDash([]);
      }
      const [x, y] = at;
      ctx.beginPath();
      if (t.kind === "drop") {
        ctx.moveTo(x, y - 9); ctx.lineTo(x + 9, y); ctx.lineTo(x, y + 9); ctx.lineTo(x - 9, y); ctx.closePath();
        ctx.fillStyle = colour; ctx.fill();
      } else if (t.kind === "fire") {
        ctx.arc(x, y, 9, 0, 2 * Math.PI);
        ctx.fillStyle = "#ffab40"; ctx.fill();
        ctx.lineWidth = 3; ctx.strokeStyle = colour; ctx.stroke();
      }
      ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; if (t.kind === "drop") ctx.stroke();
      const text = t.id + " · " + what(t) + (FINAL.has(t.status) ? " · done" : " · ETA " + clock(t.eta));
      ctx.font = "600 12px system-ui, sans-serif";
      const w = ctx.measureText(text).width;
      ctx.fillStyle = "rgba(255,255,255,0.88)";
      ctx.fillRect(x + 12, y - 20, w + 8, 17);
      ctx.fillStyle = colour;
      ctx.fillText(text, x + 16, y - 7);
      ctx.restore();
    }
  }

  // ---- survey plans ----

  // planKey says when a survey's plan is read again: when its task
  // changes state or drone, and every few seconds (fleet clock) while it
  // flies, for the photos taken.
  function planKey(t, v) {
    const tick = t.status === "active" ? "/" + Math.floor(Date.parse(v.time) / 1000 / PLAN_REFRESH_S) : "";
    return t.status + "/" + (t.drone || 0) + tick;
  }

  // followPlans reads the plan of each survey shown on the map
  // (GET /tasks/{id}/survey.geojson) when its key changes.
  function followPlans(v) {
    const shown = new Set();
    for (const t of v.tasks || []) {
      if (t.kind !== "survey" || (FINAL.has(t.status) && t.status !== "done")) continue;
      shown.add(t.id);
      const key = planKey(t, v);
      const had = plans.get(t.id);
      if (had && (had.key === key || had.loading)) continue;
      const p = { key, geo: had ? had.geo : null, error: "", loading: true };
      plans.set(t.id, p);
      ac.api("GET", "/tasks/" + encodeURIComponent(t.id) + "/survey.geojson").then(
        (geo) => { p.geo = geo; p.error = ""; },
        (e) => { p.error = e.message; }).finally(() => {
        p.loading = false;
        showPlan(t.id);
        ac.redraw();
      });
    }
    for (const id of [...plans.keys()]) if (!shown.has(id)) plans.delete(id);
  }

  // planSummary is the plan's figures in a few words, or why there is none.
  function planSummary(id) {
    const p = plans.get(id);
    if (!p) return "";
    if (!p.geo) return p.error ? "no plan: " + p.error : "";
    const a = p.geo.features[0].properties;
    return a.transects + " lines at " + a.alt_m + " m · " + a.photos_taken + " of " + a.photos + " photos · " +
      Math.round(a.covered * 100) + " % covered";
  }

  // showPlan writes a survey's plan into its row of the list.
  function showPlan(id) {
    const tr = document.querySelector('#task-list tr[data-task="' + CSS.escape(id) + '"]');
    if (!tr) return;
    const p = plans.get(id), a = p && p.geo ? p.geo.features[0].properties : null;
    tr.dataset.transects = a ? String(a.transects) : "";
    tr.dataset.photosTaken = a ? String(a.photos_taken) : "";
    let div = tr.querySelector(".task-plan");
    if (!div) {
      div = document.createElement("div");
      div.className = "task-plan muted";
      tr.children[0].append(div);
    }
    div.textContent = planSummary(id);
  }

  // drawPlans draws each survey's planned lines (lead-in to lead-out, and
  // the turns between them dashed) and the footprints of the photos taken
  // so far, under the tasks' own marks. The body's data-survey-lines and
  // data-survey-footprints count what the last frame drew.
  function drawPlans(ctx, toScreen) {
    let lines = 0, prints = 0;
    const colour = KIND_COLOUR.survey;
    for (const p of plans.values()) {
      if (!p.geo) continue;
      ctx.save();
      let last = null;
      for (const f of p.geo.features) {
        const k = f.properties.kind, c = f.geometry.coordinates;
        if (k === "footprint") {
          ctx.beginPath();
          c[0].forEach(([lon, lat], i) => { const [x, y] = toScreen(lon, lat); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
          ctx.closePath();
          ctx.fillStyle = "rgba(255, 193, 7, 0.18)"; ctx.fill();
          ctx.strokeStyle = "rgba(255, 160, 0, 0.7)"; ctx.lineWidth = 1; ctx.stroke();
          prints++;
        } else if (k === "transect") {
          const pts = c.map(([lon, lat]) => toScreen(lon, lat));
          if (last) {
            ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(pts[0][0], pts[0][1]);
            ctx.strokeStyle = colour; ctx.lineWidth = 1; ctx.setLineDash([3, 3]); ctx.stroke(); ctx.setLineDash([]);
          }
          ctx.beginPath();
          pts.forEach(([x, y], i) => { if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
          ctx.strokeStyle = colour; ctx.lineWidth = 1.5; ctx.stroke();
          last = pts[pts.length - 1];
          lines++;
        }
      }
      ctx.restore();
    }
    document.body.dataset.surveyLines = String(lines);
    document.body.dataset.surveyFootprints = String(prints);
  }

  // ---- drawing a survey ----

  // drawSketch draws the survey being drawn: its sides, its corners, the
  // first corner ringed once a tap there would close it.
  function drawSketch(ctx, toScreen) {
    if (!sketch || !sketch.points.length) return;
    const pts = sketch.points.map(([lon, lat]) => toScreen(lon, lat));
    ctx.save();
    ctx.beginPath();
    pts.forEach(([x, y], i) => { if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
    if (sketch.closed) {
      ctx.closePath();
      ctx.fillStyle = KIND_COLOUR.survey + "33"; ctx.fill();
    }
    ctx.strokeStyle = KIND_COLOUR.survey; ctx.lineWidth = 2.5; ctx.stroke();
    pts.forEach(([x, y], i) => {
      ctx.beginPath(); ctx.arc(x, y, i === 0 ? 7 : 5, 0, 2 * Math.PI);
      ctx.fillStyle = i === 0 ? "#fff" : KIND_COLOUR.survey; ctx.fill();
      ctx.lineWidth = 2; ctx.strokeStyle = KIND_COLOUR.survey; ctx.stroke();
    });
    if (!sketch.closed && pts.length >= 3) {
      ctx.beginPath(); ctx.arc(pts[0][0], pts[0][1], CLOSE_PX, 0, 2 * Math.PI);
      ctx.setLineDash([3, 3]); ctx.lineWidth = 1.5; ctx.stroke();
    }
    ctx.restore();
  }

  function showSketch() {
    const n = sketch ? sketch.points.length : 0;
    $("survey-hint").hidden = !sketch || sketch.closed;
    $("survey-count").textContent = n + (n === 1 ? " corner" : " corners");
    $("survey-undo").disabled = n === 0;
    $("survey-close").disabled = n < 3;
    ac.pickMode(!!sketch && !sketch.closed);
    ac.redraw();
  }

  function stopSketch() {
    sketch = null;
    showSketch();
  }

  $("btn-survey").onclick = () => {
    stopPlacing();
    sketch = { points: [], closed: false };
    showSketch();
  };
  $("survey-undo").onclick = () => {
    if (sketch) sketch.points.pop();
    showSketch();
  };
  $("survey-cancel").onclick = stopSketch;
  $("survey-close").onclick = () => closeSketch();

  // sketchTap adds a corner, or closes the polygon on a tap near its
  // first corner.
  function sketchTap(lon, lat) {
    const pts = sketch.points;
    if (pts.length >= 3 && project) {
      const [x0, y0] = project(pts[0][0], pts[0][1]), [x, y] = project(lon, lat);
      if (Math.hypot(x - x0, y - y0) <= CLOSE_PX) { closeSketch(); return; }
    }
    pts.push([lon, lat]);
    showSketch();
  }

  // The answers of both dialogs are taken when they are given (the form's
  // submit, as a button is pressed), not from the dialog's close event:
  // that event comes in a later task, and when the dialog has been opened
  // again before it, it would answer the new question with the old one's
  // value (as confirmOrder in app.js once did). The close event only
  // answers a dialog closed another way (Escape) while it has not been
  // opened again since.

  // surveyAsked is true while the survey dialog waits for an answer.
  let surveyAsked = false;

  // backToDrawing answers the survey dialog "back to the map": the polygon
  // opens again for more corners.
  function backToDrawing() {
    if (!surveyAsked) return;
    surveyAsked = false;
    if (!sketch) return;
    sketch.closed = false;
    showSketch();
  }
  $("survey-dialog").addEventListener("close", () => { if (!$("survey-dialog").open) backToDrawing(); });

  // closeSketch closes the polygon and asks for the survey's figures; the
  // dialog's Cancel goes back to drawing.
  function closeSketch() {
    if (!sketch || sketch.points.length < 3) return;
    sketch.closed = true;
    showSketch();
    const d = $("survey-dialog");
    $("survey-where").textContent = sketch.points.length + " corners.";
    $("survey-error").textContent = "";
    d.returnValue = "";
    surveyAsked = true;
    if (!d.open) d.showModal();
  }

  // The form asks the API for the survey and stays open on a refusal,
  // with the API's reason, so that a figure can be changed.
  $("survey-form").onsubmit = (e) => {
    if (!e.submitter || e.submitter.value !== "ok") {
      backToDrawing();
      return;
    }
    e.preventDefault();
    if (!sketch) return;
    const ring = sketch.points.concat([sketch.points[0]]);
    const body = { kind: "survey", polygon: ring, gsd_cm: Number($("survey-gsd").value),
      overlap_pct: Number($("survey-overlap").value), deadline: Math.round(Number($("survey-deadline").value) * 60) };
    const note = $("survey-note").value.trim();
    if (note) body.note = note;
    const ok = $("survey-ok");
    ok.disabled = true;
    $("survey-error").textContent = "";
    ac.api("POST", "/tasks", body).then((t) => {
      sketch = null;
      surveyAsked = false;
      $("survey-dialog").close("ok");
      showSketch();
      ac.toast(t.id + (t.drone ? ": drone #" + t.drone + ", done by " + clock(t.eta) : ": " + (t.reason || t.status)));
    }, (err) => {
      $("survey-error").textContent = "Refused: " + err.message;
      ac.toast("Survey refused: " + err.message, true);
    }).finally(() => { ok.disabled = false; });
  };

  // ---- the list ----

  // orderButton is a button of a task's row that asks for a confirmation
  // and then gives the order through the API.
  function orderButton(t, act, label, cls, title, text, call) {
    const b = document.createElement("button");
    b.className = "small order " + cls; b.textContent = label; b.title = title; b.dataset.act = act;
    b.onclick = async (e) => {
      e.stopPropagation();
      if (!await ac.confirmOrder(title + "?", text, { ok: title.split(" ")[0] + " task", danger: act === "cancel" })) return;
      ac.run(title, call);
    };
    return b;
  }

  // renderTasks fills the panel's list, newest first; a commander may
  // cancel a task that has not ended, and approve or cancel one awaiting
  // approval.
  function renderTasks(v) {
    const ts = (v.tasks || []).slice().reverse();
    $("task-count").textContent = ts.length ? "(" + ts.filter((t) => !FINAL.has(t.status)).length + " open)" : "";
    const rows = ts.map((t) => {
      const tr = document.createElement("tr");
      tr.dataset.task = t.id;
      const cells = [t.id + " " + what(t), t.status, t.drone ? "#" + t.drone : "—",
        FINAL.has(t.status) ? clock(t.done_at) : clock(t.eta), (t.coverage_cost_km2h || 0).toFixed(2)];
      for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.append(td); }
      tr.children[1].className = "task-" + t.status;
      if (t.reason) tr.title = t.reason;
      const path = "/tasks/" + encodeURIComponent(t.id);
      const cancel = () => ac.api("DELETE", path);
      if (t.awaiting_approval) {
        tr.classList.add("awaiting");
        if (ac.commander()) {
          const box = document.createElement("div");
          box.className = "task-approval";
          box.append(
            orderButton(t, "approve", "Approve", "primary", "Approve " + t.id,
              "A drone is given the task and flies it. " + (t.reason || ""), () => ac.api("POST", path + "/approve")),
            " ",
            orderButton(t, "cancel", "Cancel", "danger", "Cancel " + t.id, "The task is dropped: no drone flies it.", cancel));
          tr.children[0].append(box);
        }
      } else if (!FINAL.has(t.status) && ac.commander()) {
        tr.children[0].append(" ", orderButton(t, "cancel", "✕", "", "Cancel " + t.id,
          "The drone flying it returns to coverage duty or home.", cancel));
      }
      return tr;
    });
    $("task-list").querySelector("tbody").replaceChildren(...rows);
    for (const t of ts) if (plans.has(t.id)) showPlan(t.id);
    followPlans(v);
  }

  function stopPlacing() {
    placing = false;
    ac.pickMode(false);
    $("drop-hint").hidden = true;
  }
  $("btn-drop").onclick = () => {
    stopSketch();
    placing = true;
    ac.pickMode(true);
    $("drop-hint").hidden = false;
  };
  $("drop-cancel").onclick = stopPlacing;

  // A tap while placing a drop asks for its load and deadline, then for
  // the drop; the controller answers with the drone and its ETA, or why no
  // drone can do it in time.
  ac.plugins.tap = (lon, lat) => {
    if (sketch && !sketch.closed) {
      sketchTap(lon, lat);
      return true;
    }
    if (!placing) return false;
    stopPlacing();
    const d = $("drop-dialog");
    $("drop-where").textContent = "At " + lat.toFixed(5) + ", " + lon.toFixed(5) + ".";
    d.returnValue = "";
    dropAt = [lon, lat];
    if (!d.open) d.showModal();
    return true;
  };

  // dropAt is where the drop dialog asks about, until it is answered. The
  // drop is asked for when its button is pressed; Escape or Cancel drops
  // the question.
  let dropAt = null;
  $("drop-dialog").querySelector("form").addEventListener("submit", (e) => {
    const at = dropAt;
    dropAt = null;
    if (!at || !e.submitter || e.submitter.value !== "ok") return;
    const body = { kind: "drop", point: at, mass_kg: Number($("drop-mass").value),
      deadline: Math.round(Number($("drop-deadline").value) * 60) };
    const note = $("drop-note").value.trim();
    if (note) body.note = note;
    ac.api("POST", "/tasks", body).then((t) => {
      ac.toast(t.id + (t.drone ? ": drone #" + t.drone + ", done by " + clock(t.eta) : ": " + (t.reason || t.status)));
    }, (err) => ac.toast("Drop refused: " + err.message, true));
  });
  $("drop-dialog").addEventListener("close", () => { if (!$("drop-dialog").open) dropAt = null; });

  ac.plugins.layers.push(drawTasks);
  ac.plugins.render.push(renderTasks);
})();
