// Tasks on the commander's console (issue 12): the drops, surveys and fire
// tasks drawn on the map, with the route of the drone flying each, listed
// in the panel, and a supply drop placed by a tap on the map. It talks to
// the page only through window.aerocell (see app.js, "plug-ins").
"use strict";

(function () {
  const ac = window.aerocell;
  if (!ac) return;
  const $ = (id) => document.getElementById(id);
  const KIND_COLOUR = { drop: "#00838f", survey: "#6d4c41", fire: "#d84315" };
  const FINAL = new Set(["done", "failed", "refused", "cancelled"]);
  let placing = false;

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

  // renderTasks fills the panel's list, newest first; a commander may
  // cancel a task that has not ended.
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
      if (!FINAL.has(t.status) && ac.commander()) {
        const b = document.createElement("button");
        b.className = "small order"; b.textContent = "✕"; b.title = "cancel " + t.id;
        b.onclick = async (e) => {
          e.stopPropagation();
          if (!await ac.confirmOrder("Cancel " + t.id + "?", "The drone flying it returns to coverage duty or home.", { ok: "Cancel task", danger: true })) return;
          ac.run("Cancel " + t.id, () => ac.api("DELETE", "/tasks/" + encodeURIComponent(t.id)));
        };
        tr.children[0].append(" ", b);
      }
      return tr;
    });
    $("task-list").querySelector("tbody").replaceChildren(...rows);
  }

  function stopPlacing() {
    placing = false;
    ac.pickMode(false);
    $("drop-hint").hidden = true;
  }
  $("btn-drop").onclick = () => {
    placing = true;
    ac.pickMode(true);
    $("drop-hint").hidden = false;
  };
  $("drop-cancel").onclick = stopPlacing;

  // A tap while placing a drop asks for its load and deadline, then for
  // the drop; the controller answers with the drone and its ETA, or why no
  // drone can do it in time.
  ac.plugins.tap = (lon, lat) => {
    if (!placing) return false;
    stopPlacing();
    const d = $("drop-dialog");
    $("drop-where").textContent = "At " + lat.toFixed(5) + ", " + lon.toFixed(5) + ".";
    d.returnValue = "";
    d.onclose = () => {
      if (d.returnValue !== "ok") return;
      const body = { kind: "drop", point: [lon, lat], mass_kg: Number($("drop-mass").value),
        deadline: Math.round(Number($("drop-deadline").value) * 60) };
      const note = $("drop-note").value.trim();
      if (note) body.note = note;
      ac.api("POST", "/tasks", body).then((t) => {
        ac.toast(t.id + (t.drone ? ": drone #" + t.drone + ", done by " + clock(t.eta) : ": " + (t.reason || t.status)));
      }, (e) => ac.toast("Drop refused: " + e.message, true));
    };
    d.showModal();
    return true;
  };

  ac.plugins.layers.push(drawTasks);
  ac.plugins.render.push(renderTasks);
})();
