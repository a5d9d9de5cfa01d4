// The minigrad BPTT viewer: draws the diagram that mg.to_html embeds as JSON.
// Plain JavaScript, no library: a grid of time steps (columns) by layers and
// directions (rows), laid out here so that opening a step or closing a row is instant.
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("minigrad-data").textContent);
  var timings = { parse: performance.now() - t0 };
  var KINDS = ["state", "data", "shared", "bus"];
  data.links = data.links.map(function (l) {  // [source, target, kind, ‖grad‖, colour]
    return { s: l[0], t: l[1], kind: KINDS[l[2]], grad: l[3] === null ? undefined : l[3],
      color: l[4] || undefined };
  });
  var boxes = data.boxes, byId = {};
  boxes.forEach(function (b) { byId[b.id] = b; });
  var T = data.times.length;
  var state = {
    open: {},            // step id -> true when its gates are shown
    closedRows: {},      // row index -> true when the row is one bar
    closedOutputs: false,
    highlight: null,     // step id picked on the heatmap
    replay: data.order.length,  // how many boxes of the backward order are done
    scale: 1, x: 20, y: 20
  };
  boxes.forEach(function (b) { if (b.kind === "step" && data.open) state.open[b.id] = true; });

  // ---------------------------------------------------------------- the page
  var app = document.getElementById("app");
  app.innerHTML =
    '<div id="bar"><b>' + esc(data.title || "minigrad") + '</b>' +
    '<span class="hint">drag to pan · wheel to zoom · click a step to open it · click a row or layer name to close it</span>' +
    '<span id="counts"></span></div>' +
    '<div id="stage"><svg id="svg" xmlns="http://www.w3.org/2000/svg"><g id="graph"></g></svg></div>' +
    '<div id="panel"><div id="heat-box"><div class="title">‖∂L/∂a⟨t⟩‖ by layer and step (click a cell)</div>' +
    '<canvas id="heat"></canvas></div>' +
    '<div id="replay"><div class="title">backward pass, in the order the engine ran it</div>' +
    '<button id="play">▶ play</button> <input id="scrub" type="range" min="0" max="' +
    data.order.length + '" value="' + data.order.length + '"> <span id="scrub-text"></span></div>' +
    '<div id="legend"></div></div><div id="tip"></div>';
  var svg = document.getElementById("svg"), graph = document.getElementById("graph");
  var tip = document.getElementById("tip");

  // ---------------------------------------------------------------- layout
  var CW = 150, OPEN_W = 480, SIDE_W = 230, BOX_H = 46, GATE_W = 118, GATE_H = 34;
  var maxCol = T + 1;
  boxes.forEach(function (b) { if (b.col !== null && b.col > maxCol) maxCol = b.col; });
  // boxes outside the grid (the head, the loss) go to the right, by their depth in the data flow
  var free = boxes.filter(function (b) { return b.col === null && b.step === null; });
  var depth = {}, incoming = {};
  data.links.forEach(function (l) { (incoming[l.t] = incoming[l.t] || []).push(l.s); });
  function depthOf(id, seen) {
    if (depth[id] !== undefined) return depth[id];
    var b = byId[id];
    if (!b || b.col !== null || seen[id]) return 0;
    seen[id] = true;
    var d = 0;
    (incoming[id] || []).forEach(function (s) { d = Math.max(d, depthOf(s, seen) + 1); });
    return (depth[id] = d);
  }
  free.forEach(function (b) { b._col = maxCol + 1 + depthOf(b.id, {}); });
  boxes.forEach(function (b) { if (b._col === undefined) b._col = b.col; });

  function rowClosed(b) {
    if (b.row === null || b.row === undefined) return false;
    if (b.kind === "input" && b.step === null) return false;
    return !!state.closedRows[b.row];
  }
  function visible(b) {
    if (b.step) {  // a gate (or x<t>) of an opened step
      var s = byId[b.step];
      return !!state.open[b.step] && !rowClosed(s);
    }
    if (b.col === null && state.closedOutputs) return false;
    return !rowClosed(b);
  }
  function represent(id) {  // the drawn box that stands for `id`
    var b = byId[id];
    if (!b) return null;
    if (visible(b)) return id;
    if (b.step) return represent(b.step);
    if (rowClosed(b)) return "row" + b.row;
    if (b.col === null && state.closedOutputs) return "outputs";
    return null;
  }
  function boxHeight(b) {
    if (b.kind === "params") return 20 + 16 * (b.params ? b.params.length : 1);
    if (b.kind === "bus") return 8;
    if (b.kind === "step" && state.open[b.id]) return 40 + 4 * (GATE_H + 10);
    return BOX_H;
  }
  function boxWidth(b) {
    if (b.kind === "bus") return 8;
    if (b.kind === "step" && state.open[b.id]) return OPEN_W - 30;
    if (b.kind === "params") return SIDE_W - 20;
    return CW - 26;
  }

  function layout() {
    var shown = boxes.filter(visible).filter(function (b) { return !b.step; });
    var widths = {};
    shown.forEach(function (b) {
      var w = b.kind === "step" && state.open[b.id] ? OPEN_W :
        (b._col < 0 || b._col >= T) ? SIDE_W : CW;
      widths[b._col] = Math.max(widths[b._col] || 0, w);
    });
    var cols = Object.keys(widths).map(Number).sort(function (a, b) { return a - b; });
    var xOf = {}, x = 140;  // room for the row names on the left
    cols.forEach(function (c) { xOf[c] = x; x += widths[c]; });
    // bands: one per level, top to bottom
    var rowBars = [];
    Object.keys(state.closedRows).forEach(function (r) {
      if (state.closedRows[r]) rowBars.push({ id: "row" + r, kind: "rowbar", row: +r, level: 10 * r,
        label: (data.rows[r] || "steps") + " · " + T + " steps (closed)", _col: 0 });
    });
    if (state.closedOutputs) rowBars.push({ id: "outputs", kind: "rowbar", row: null, level: 20000,
      label: "outputs (closed)", _col: maxCol + 1 });
    var all = shown.concat(rowBars);
    var levels = {};
    all.forEach(function (b) { levels[b.level] = Math.max(levels[b.level] || 0, b.kind === "rowbar" ? BOX_H : boxHeight(b)); });
    var order = Object.keys(levels).map(Number).sort(function (a, b) { return b - a; });
    var yOf = {}, y = 10;
    order.forEach(function (l) { yOf[l] = y; y += levels[l] + 18; });
    var pos = {};
    all.forEach(function (b) {
      var w = b.kind === "rowbar" ? Math.max(CW, (xOf[T - 1] || xOf[0] || 140) + (widths[T - 1] || CW) - (xOf[0] || 140)) - 26 : boxWidth(b);
      var h = b.kind === "rowbar" ? BOX_H : boxHeight(b);
      var cx = (xOf[b._col] !== undefined ? xOf[b._col] : x) + 13;
      pos[b.id] = { x: cx, y: yOf[b.level] + (levels[b.level] - h) / 2, w: w, h: h, box: b };
    });
    // gates inside an opened step: sub-columns by role
    boxes.forEach(function (g) {
      if (!g.step || !visible(g)) return;
      var p = pos[g.step];
      if (!p) return;
      var k = subColumn(g), slot = (p.slots = p.slots || {});
      var n = slot[k] = (slot[k] || 0) + 1;
      pos[g.id] = { x: p.x + 8 + k * (GATE_W + 8) * 0.86, y: p.y + 28 + (n - 1) * (GATE_H + 8),
        w: GATE_W * 0.8, h: GATE_H, box: g };
    });
    // the rows' names on the left, with the layer they belong to
    var heads = [];
    data.rows.forEach(function (name, r) {
      var ys = all.filter(function (b) { return b.row === r && (b.kind === "step" || b.kind === "rowbar"); })
        .map(function (b) { return pos[b.id].y; });
      if (ys.length) heads.push({ row: r, name: name || "steps", y: Math.min.apply(null, ys) });
    });
    return { pos: pos, heads: heads, width: x + 400, height: y };
  }
  function subColumn(g) {
    if (g.kind === "input" || g.role === "input") return 0;
    if (g.role === "a<t>" && byId[g.step] && /LSTM/.test(byId[g.step].label)) return 3;
    if (g.role === "c<t>" || g.role === "a<t>") return 2;
    return 1;
  }

  // ---------------------------------------------------------------- drawing
  var current = null;
  function render() {
    var r0 = performance.now();
    var L = layout(), pos = L.pos, parts = [];
    timings.layout = performance.now() - r0;
    var seen = {};
    data.links.forEach(function (l) {
      var s = represent(l.s), t = represent(l.t);
      if (!s || !t || s === t || !pos[s] || !pos[t]) return;
      var key = s + ">" + t;
      if (seen[key]) return;
      seen[key] = true;
      parts.push(edge(pos[s], pos[t], l));
    });
    var drawn = 0;
    Object.keys(pos).forEach(function (id) {
      var p = pos[id];
      if (p.box.kind === "step" && state.open[id]) {
        parts.push(frame(p));
      } else {
        parts.push(node(p));
      }
      drawn++;
    });
    L.heads.forEach(function (h) {
      var name = h.name, layer = name.replace(/\/(forward|reverse)$/, "");
      parts.push('<text class="row-header" data-row="' + h.row + '" x="8" y="' + (h.y + 14) + '">' +
        esc(name) + (state.closedRows[h.row] ? " ▸" : " ▾") + "</text>");
      if (layer !== name && name.slice(-7) === "forward")
        parts.push('<text class="layer-header" data-layer="' + esc(layer) + '" x="8" y="' + (h.y + 30) +
          '">' + esc(layer) + " (both directions)</text>");
    });
    timings.strings = performance.now() - r0;
    graph.innerHTML = parts.join("");
    timings.dom = performance.now() - r0;
    current = L;
    document.getElementById("counts").textContent = drawn + " boxes drawn · " + T + " steps";
    app.dataset.drawn = drawn;
    applyTransform();
    applyReplay();
    applyHighlight();
  }
  function node(p) {
    var b = p.box, cls = "box " + b.kind + (b.kind === "rowbar" ? " cluster-header" : "");
    var fill = b.color || "";
    var lines = [b.label];
    if (b.detail && b.kind !== "bus") lines.push(b.detail);
    if (b.grad !== undefined && b.kind !== "params") lines.push("‖g‖ " + b.grad.toExponential(2));
    var s = '<g class="' + cls + '" data-id="' + esc(b.id) + '"' + (b.kind === "rowbar" ? ' data-row="' + b.row + '"' : "") +
      ' transform="translate(' + p.x + "," + p.y + ')">';
    if (b.kind === "bus") return s + '<circle r="3" cx="4" cy="4"></circle></g>';
    s += '<rect rx="7" width="' + p.w + '" height="' + p.h + '"' + (fill ? ' style="fill:' + fill + '"' : "") + "></rect>";
    if (b.kind === "params") {
      s += '<text x="6" y="14" class="strong">' + esc(b.label + " " + b.detail) + "</text>";
      (b.params || []).forEach(function (q, i) {
        s += '<text x="6" y="' + (30 + 16 * i) + '">' + esc(q[0] + " " + q[1].join("×") +
          (q[2] !== null && q[2] !== undefined ? "  ‖g‖ " + q[2].toExponential(1) : "")) + "</text>";
      });
      return s + "</g>";
    }
    var dark = fill && isDark(fill);
    lines.forEach(function (line, i) {
      s += '<text x="' + (p.w / 2) + '" y="' + (16 + i * 13) + '" text-anchor="middle"' +
        (dark ? ' class="light"' : "") + ">" + esc(line) + "</text>";
    });
    return s + "</g>";
  }
  function frame(p) {
    var b = p.box;
    return '<g class="box step open" data-id="' + esc(b.id) + '" transform="translate(' + p.x + "," + p.y + ')">' +
      '<rect rx="9" width="' + p.w + '" height="' + p.h + '"' + (b.color ? ' style="stroke:' + b.color + '"' : "") + "></rect>" +
      '<text class="cluster-header" data-step="' + esc(b.id) + '" x="8" y="16">' + esc(b.label) + " ▾" +
      (b.grad !== undefined ? "  ‖∂L/∂a‖ " + b.grad.toExponential(2) : "") + "</text></g>";
  }
  function edge(a, b, l) {
    var x1, y1, x2, y2;
    if (Math.abs(a.x - b.x) < 4) {  // one column: vertical
      x1 = a.x + a.w / 2; x2 = b.x + b.w / 2;
      if (a.y > b.y) { y1 = a.y; y2 = b.y + b.h; } else { y1 = a.y + a.h; y2 = b.y; }
    } else if (a.x < b.x) { x1 = a.x + a.w; y1 = a.y + a.h / 2; x2 = b.x; y2 = b.y + b.h / 2; }
    else { x1 = a.x; y1 = a.y + a.h / 2; x2 = b.x + b.w; y2 = b.y + b.h / 2; }
    var dx = (x2 - x1) / 2;
    var d = "M" + x1 + "," + y1 + " C" + (x1 + dx) + "," + y1 + " " + (x2 - dx) + "," + y2 + " " + x2 + "," + y2;
    if (Math.abs(a.x - b.x) < 4) d = "M" + x1 + "," + y1 + " L" + x2 + "," + y2;
    return '<path class="link ' + l.kind + '" d="' + d + '"' + (l.color ? ' style="stroke:' + l.color + '"' : "") + "></path>";
  }

  // ---------------------------------------------------------------- pan and zoom
  function applyTransform() {
    graph.setAttribute("transform", "translate(" + state.x + "," + state.y + ") scale(" + state.scale + ")");
  }
  var drag = null;
  svg.addEventListener("mousedown", function (e) { drag = { x: e.clientX - state.x, y: e.clientY - state.y, moved: false }; });
  window.addEventListener("mousemove", function (e) {
    if (drag) { state.x = e.clientX - drag.x; state.y = e.clientY - drag.y; drag.moved = true; applyTransform(); }
    showTip(e);
  });
  window.addEventListener("mouseup", function () { setTimeout(function () { drag = null; }, 0); });
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    var k = Math.exp(-e.deltaY * 0.0015), s = Math.min(4, Math.max(0.05, state.scale * k));
    state.x = mx - (mx - state.x) * s / state.scale; state.y = my - (my - state.y) * s / state.scale;
    state.scale = s; applyTransform();
  }, { passive: false });

  // ---------------------------------------------------------------- clicks
  svg.addEventListener("click", function (e) {
    if (drag && drag.moved) return;
    var el = e.target.closest("[data-step],[data-row],[data-layer],[data-id]");
    if (!el) return;
    if (el.dataset.step) { delete state.open[el.dataset.step]; render(); return; }
    if (el.dataset.layer !== undefined) {
      var layer = el.dataset.layer, close = true;
      data.rows.forEach(function (n, r) { if (n.indexOf(layer + "/") === 0 && state.closedRows[r]) close = false; });
      data.rows.forEach(function (n, r) { if (n.indexOf(layer + "/") === 0) state.closedRows[r] = close; });
      render(); return;
    }
    if (el.dataset.row !== undefined && el.dataset.row !== "null") {
      var r = +el.dataset.row; state.closedRows[r] = !state.closedRows[r]; render(); return;
    }
    if (el.dataset.id === "outputs") { state.closedOutputs = false; render(); return; }
    var b = byId[el.dataset.id];
    if (b && b.kind === "step") { state.open[b.id] = true; render(); }
    else if (b && b.col === null && !b.step) { state.closedOutputs = true; render(); }
  });

  // ---------------------------------------------------------------- hover
  function showTip(e) {
    var el = e.target.closest && e.target.closest("[data-id]");
    if (!el || drag && drag.moved) { tip.style.display = "none"; return; }
    var b = byId[el.dataset.id];
    if (!b) { tip.style.display = "none"; return; }
    var rows = ["<b>" + esc(b.label) + "</b>" + (b.detail ? " · " + esc(b.detail) : "")];
    if (b.ops) rows.push("op: " + esc(b.ops.join(", ")));
    if (b.row !== null && b.row !== undefined && data.rows[b.row] !== undefined) rows.push("row: " + esc(data.rows[b.row] || "steps"));
    if (b.col !== null && b.col >= 0 && b.col < T) rows.push("step t=" + data.times[b.col]);
    if (b.stats) {
      rows.push("shape (" + b.stats.shape.join(", ") + ") · " + esc(b.stats.dtype));
      if (b.stats.mean !== undefined)
        rows.push("mean " + fmt(b.stats.mean) + " · std " + fmt(b.stats.std) + " · min " + fmt(b.stats.min) + " · max " + fmt(b.stats.max));
    }
    if (b.grad !== undefined) rows.push("‖grad‖ " + b.grad.toExponential(3));
    if (b.order !== undefined) rows.push("backward: node " + (data.order.indexOf(b.id) + 1) + " of " + data.order.length);
    tip.innerHTML = rows.join("<br>");
    tip.style.display = "block";
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px";
  }

  // ---------------------------------------------------------------- heatmap
  var heat = document.getElementById("heat");
  var cell = Math.max(2, Math.min(16, Math.floor(900 / Math.max(1, T))));
  heat.width = Math.max(60, cell * T); heat.height = Math.max(12, 14 * data.rows.length);
  (function drawHeat() {
    var ctx = heat.getContext("2d"), values = [];
    data.heat.forEach(function (row) { row.forEach(function (v) { if (v > 0) values.push(Math.log10(v)); }); });
    var lo = Math.min.apply(null, values.length ? values : [0]), hi = Math.max.apply(null, values.length ? values : [1]);
    data.heat.forEach(function (row, r) {
      row.forEach(function (v, c) {
        var k = v > 0 ? (hi - lo < 1e-9 ? 4 : Math.min(8, Math.max(0, Math.floor((Math.log10(v) - lo) / (hi - lo) * 9)))) : -1;
        ctx.fillStyle = k < 0 ? "#dddddd" : data.palette[k];
        ctx.fillRect(c * cell, r * 14, Math.max(1, cell - (cell > 3 ? 1 : 0)), 13);
      });
    });
  })();
  heat.addEventListener("click", function (e) {
    var r = heat.getBoundingClientRect();
    var c = Math.floor((e.clientX - r.left) / cell * (heat.width / r.width));
    var row = Math.floor((e.clientY - r.top) / 14 * (heat.height / r.height));
    pickStep(row, c);
  });
  function pickStep(row, c) {
    var b = byId["s" + row + "_" + c];
    if (!b) return;
    if (state.closedRows[row]) { state.closedRows[row] = false; }
    state.highlight = b.id;
    render();
    var p = current.pos[b.id];
    if (p) {
      var r = svg.getBoundingClientRect();
      state.x = r.width / 2 - (p.x + p.w / 2) * state.scale;
      state.y = r.height / 2 - (p.y + p.h / 2) * state.scale;
      applyTransform();
    }
  }
  function applyHighlight() {
    var old = graph.querySelectorAll(".highlight");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("highlight");
    if (!state.highlight) return;
    var col = byId[state.highlight].col;
    boxes.forEach(function (b) {
      if (b.col === col && (b.kind === "step" || b.step)) {
        var el = graph.querySelector('[data-id="' + b.id + '"]');
        if (el) el.classList.add("highlight");
      }
    });
  }

  // ---------------------------------------------------------------- backward replay
  var scrub = document.getElementById("scrub"), play = document.getElementById("play"), timer = null;
  var replayShown = false;
  function applyReplay() {
    var done = {}, k = state.replay;
    document.getElementById("scrub-text").textContent = k + " / " + data.order.length +
      (data.order.length ? "" : " (run backward inside mg.record_grad_norms() to record it)");
    if (k >= data.order.length && !replayShown) return;  // nothing pending: nothing to mark
    replayShown = k < data.order.length;
    for (var i = 0; i < data.order.length; i++) done[data.order[i]] = i < k;
    var els = graph.querySelectorAll("[data-id]");
    for (var j = 0; j < els.length; j++) {
      var id = els[j].dataset.id;
      if (done[id] === undefined) continue;
      els[j].classList.toggle("pending", !done[id]);
      els[j].classList.toggle("now", id === data.order[k - 1] && k < data.order.length);
    }
  }
  scrub.addEventListener("input", function () { state.replay = +scrub.value; applyReplay(); });
  play.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
    if (state.replay >= data.order.length) state.replay = 0;
    play.textContent = "⏸ pause";
    var stepSize = Math.max(1, Math.ceil(data.order.length / 300));
    timer = setInterval(function () {
      state.replay = Math.min(data.order.length, state.replay + stepSize);
      scrub.value = state.replay; applyReplay();
      if (state.replay >= data.order.length) { clearInterval(timer); timer = null; play.textContent = "▶ play"; }
    }, 40);
  });

  // ---------------------------------------------------------------- legend and helpers
  (function legend() {
    var s = '<div class="title">colour: ‖∂L/∂·‖ (log scale)</div>';
    if (data.scale) {
      var lo = data.scale[0], hi = data.scale[1], n = data.palette.length;
      data.palette.forEach(function (c, i) {
        s += '<span class="swatch" style="background:' + c + (i < 5 ? ";color:white" : "") + '">' +
          Math.pow(10, lo + (hi - lo) * i / n).toExponential(0) + "</span>";
      });
    } else s += "<span>no gradient norms recorded</span>";
    document.getElementById("legend").innerHTML = s;
  })();
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function fmt(v) { return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2); }
  function isDark(hex) {
    var i = data.palette.indexOf(hex);
    return i >= 0 && i < 5;
  }

  function fit() {  // the whole height in view (at most 1:1), from the left end
    // the window's size, not the SVG's: asking the SVG would lay out every box first
    var r = { width: window.innerWidth, height: window.innerHeight - 150 }, xs = [], ys = [];
    Object.keys(current.pos).forEach(function (id) {
      var p = current.pos[id]; xs.push(p.x, p.x + p.w); ys.push(p.y, p.y + p.h);
    });
    if (!xs.length) return;
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var k = Math.min(1, (r.height - 20) / (y1 - y0 + 40), Math.max(0.25, (r.width - 20) / (x1 - x0 + 160)));
    state.scale = Math.max(0.12, k);
    state.x = 10 - 0 * state.scale; state.y = 10 - (y0 - 10) * state.scale;
    applyTransform();
  }

  render();
  timings.render = performance.now() - t0;
  fit();
  timings.fit = performance.now() - t0;
  requestAnimationFrame(function () {
    var api = window.minigradViewer = {
      firstPaintMs: performance.now(), scriptMs: performance.now() - t0, timings: timings,
      drawn: function () { return graph.querySelectorAll("[data-id]").length; },
      pickStep: pickStep, state: state, render: render
    };
    document.body.dataset.ready = "1";
    return api;
  });
})();
