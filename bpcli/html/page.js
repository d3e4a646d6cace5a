/* bpcli trace --html: steps through the trace events held in #bp-data.
   State as of step N: the initial Units, then each event's slots, writes and
   update applied in order (a circuit's seed sets every grad to 0 first). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("bp-data").textContent);
  var events = data.events, texts = data.texts, P = data.precision;
  var count = events.length;
  var zeroes = new Set(data.zeroes);
  var L = data.labels;  /* the words shown, in the reader's language (from bpcli) */
  function say(template, args) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in args ? String(args[k]) : m; });
  }
  var svg = document.querySelector("svg.bp-graph");

  function index(selector, attr) {
    var map = new Map();
    document.querySelectorAll(selector).forEach(function (el) {
      var key = el.getAttribute(attr[0]) + (attr[1] ? "." + el.getAttribute(attr[1]) : "");
      if (!map.has(key)) map.set(key, []);
      map.get(key).push(el);
    });
    return map;
  }
  var unitNodes = index(".bp-unit[data-unit]", ["data-unit"]);
  var gateNodes = index(".bp-gate[data-gate]", ["data-gate"]);
  var edges = index(".bp-edge", ["data-gate", "data-slot"]);
  var rows = index("#bp-table tr[data-unit]", ["data-unit"]);
  var vgText = new Map();
  unitNodes.forEach(function (els, name) {
    var v = els[0].querySelector(".bp-v"), g = els[0].querySelector(".bp-g");
    if (v && g) vgText.set(name, [v, g]);
  });

  /* Python's fmt: fixed point, scientific when tiny or huge; ties to even. */
  function fixed(x, p) {
    var s = x.toFixed(p), exact = Math.abs(x).toFixed(Math.min(100, p + 60));
    var rest = exact.slice(exact.indexOf(".") + 1 + p);
    if (/^50*$/.test(rest)) {  // an exact tie: Python rounds to even, JavaScript up
      var down = (x < 0 ? -1 : 1) * Math.floor(Math.abs(x) * Math.pow(10, p)) / Math.pow(10, p);
      var last = Math.floor(Math.abs(x) * Math.pow(10, p)) % 2;
      if (last === 0) s = down.toFixed(p);
    }
    return s;
  }
  function fmt(x, p) {
    if (typeof x !== "number") return String(x);
    if (x === 0) return (0).toFixed(p);
    var a = Math.abs(x);
    if (a >= 1e-4 && a < 1e9) return fixed(x, p);
    return x.toExponential(p).replace(/e([+-])(\d)$/, "e$10$2");
  }

  var state, held, cur = 0;
  function reset() {
    state = new Map();
    Object.keys(data.initial).forEach(function (u) {
      var s = data.initial[u];
      state.set(u, { value: s.value, grad: s.grad, id: s.id });
    });
    held = new Map();  // "gate.slot" -> the id of the object it holds
    cur = 0;
  }
  function unit(name) {
    if (!state.has(name)) state.set(name, { value: null, grad: null, id: "" });
    return state.get(name);
  }
  function apply(e) {
    if (zeroes.has(e.step)) state.forEach(function (s) { if (s.grad !== null) s.grad = 0; });
    Object.keys(e.slots).forEach(function (slot) {
      var v = e.slots[slot], s = unit(v.unit);
      s.value = v.value; s.grad = v.grad; s.id = v.id;
      if (e.gate) held.set(e.gate + "." + slot, v.id);
    });
    (e.writes || []).forEach(function (w) {
      var s = unit(w.unit);
      if (w.attr === "value" || w.attr === "grad") s[w.attr] = w.after;
    });
    if (e.update) unit(e.update.unit).value = e.update.value_after;
  }

  var shown = new Map(), marked = [];
  function mark(els, cls) {
    (els || []).forEach(function (el) { el.classList.add(cls); marked.push([el, cls]); });
  }
  function draw() {
    var e = events[cur - 1];
    state.forEach(function (s, name) {
      var key = s.value + "|" + s.grad + "|" + s.id;
      if (shown.get(name) === key) return;
      shown.set(name, key);
      var v = s.value === null ? "—" : fmt(s.value, P), g = s.grad === null ? "—" : fmt(s.grad, P);
      var t = vgText.get(name);
      if (t) { t[0].textContent = "v " + v; t[1].textContent = "∇ " + g; }
      (rows.get(name) || []).forEach(function (tr) {
        tr.cells[1].textContent = v; tr.cells[2].textContent = g; tr.cells[3].textContent = s.id;
        tr.cells[1].title = String(s.value); tr.cells[2].title = String(s.grad);
        tr.dataset.value = String(s.value); tr.dataset.grad = String(s.grad); tr.dataset.id = s.id;
      });
    });
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
    if (!e) return;
    mark(gateNodes.get(e.gate), "bp-active");
    var written = new Set();
    (e.writes || []).forEach(function (w) {
      written.add(w.unit);
      if (!e.gate) return;
      var through = (w.slot || "").split("+").filter(function (s) {
        return edges.has(e.gate + "." + s);
      });
      if (!through.length && w.id) held.forEach(function (id, key) {  // by the object: a node's child
        if (id === w.id && key.indexOf(e.gate + ".") === 0) through.push(key.slice(e.gate.length + 1));
      });
      through.forEach(function (s) { mark(edges.get(e.gate + "." + s), "bp-flow"); });
    });
    if (e.update) written.add(e.update.unit);
    if (e.new) written.add(e.new);
    if (!e.gate && !e.update && !(e.writes || []).length) {
      Object.keys(e.slots).forEach(function (s) { written.add(e.slots[s].unit); });
    }
    Object.keys(e.slots).forEach(function (slot) {
      var v = e.slots[slot];
      if (!e.gate) return;
      if (e.phase === "forward" && v.unit === e.new) mark(edges.get(e.gate + "." + slot), "bp-flow");
      else if (e.phase !== "forward" && !written.has(v.unit)) {
        mark(edges.get(e.gate + "." + slot), "bp-read");
      }
    });
    written.forEach(function (u) { mark(unitNodes.get(u), "bp-written"); mark(rows.get(u), "bp-written"); });
    follow((gateNodes.get(e.gate) || [])[0] || (unitNodes.get(written.values().next().value) || [])[0]);
    document.getElementById("bp-call").textContent = say(L.call, {
      step: e.step, phase: L.phases[e.phase] || e.phase, iteration: e.iteration, call: e.call
    });
    document.getElementById("bp-text").textContent = texts[cur - 1];
    if (hovering) identity(hovering);
  }

  /* A big drawing scrolls within its box: keep the step's gate (or Unit) in view. */
  var box = document.querySelector(".bp-draw");
  function follow(el) {
    if (!el || svg.classList.contains("bp-fit")) return;
    var b = box.getBoundingClientRect(), r = el.getBoundingClientRect();
    if (r.left < b.left || r.right > b.right) box.scrollLeft += r.left - b.left - b.width / 2 + r.width / 2;
    if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += r.top - b.top - b.height / 2 + r.height / 2;
  }

  function go(n, fromHash) {
    n = Math.max(1, Math.min(count, n | 0));
    if (!count) return;
    if (n < cur || !state) reset();
    while (cur < n) { apply(events[cur]); cur += 1; }
    draw();
    slider.value = String(n);
    document.getElementById("bp-n").textContent = String(n);
    var want = "#step=" + n;
    if (!fromHash && location.hash !== want) {
      try { history.replaceState(null, "", want); } catch (err) { location.hash = want; }
    }
  }

  var hovering = null, sameMarked = [];
  function identity(name) {
    sameMarked.forEach(function (el) { el.classList.remove("bp-same"); });
    sameMarked = [];
    var box = document.getElementById("bp-identity");
    hovering = name;
    if (name === null) { box.textContent = box.dataset.idle; return; }
    var s = state.get(name);
    if (!s || !s.id) { box.textContent = say(L.unseen, { name: name }); return; }
    var slots = [];
    held.forEach(function (id, slot) {
      if (id !== s.id) return;
      slots.push(slot);
      (edges.get(slot) || []).forEach(function (el) { el.classList.add("bp-same"); sameMarked.push(el); });
    });
    state.forEach(function (o, other) {
      if (o.id === s.id) (unitNodes.get(other) || []).forEach(function (el) {
        el.classList.add("bp-same"); sameMarked.push(el);
      });
    });
    box.textContent = slots.length ?
      say(L.held, { name: name, id: s.id, slots: slots.join(", ") }) :
      say(L.free, { name: name, id: s.id });
  }
  unitNodes.forEach(function (els, name) {
    els.forEach(function (el) {
      el.addEventListener("mouseenter", function () { identity(name); });
      el.addEventListener("mouseleave", function () { identity(null); });
      el.addEventListener("focus", function () { identity(name); });
      el.addEventListener("blur", function () { identity(null); });
    });
  });
  var idleBox = document.getElementById("bp-identity");
  idleBox.dataset.idle = idleBox.textContent;

  var slider = document.getElementById("bp-slider"), timer = null;
  var play = document.getElementById("bp-play");
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null; play.textContent = L.play; play.setAttribute("aria-pressed", "false");
  }
  function toggle() {
    if (timer !== null) return pause();
    if (cur >= count) go(1);
    play.textContent = L.pause; play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () { if (cur >= count) pause(); else go(cur + 1); }, 700);
  }
  function on(id, f) { document.getElementById(id).addEventListener("click", f); }
  on("bp-first", function () { pause(); go(1); });
  on("bp-prev", function () { pause(); go(cur - 1); });
  on("bp-next", function () { pause(); go(cur + 1); });
  on("bp-last", function () { pause(); go(count); });
  on("bp-play", toggle);
  slider.addEventListener("input", function () { pause(); go(Number(slider.value)); });
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.target === slider) return;
    var k = ev.key;
    if (k === "ArrowRight") go(cur + 1);
    else if (k === "ArrowLeft") go(cur - 1);
    else if (k === "Home") go(1);
    else if (k === "End") go(count);
    else if (k === "p" || k === "P") return toggle();
    else return;
    pause(); ev.preventDefault();
  });
  function fromHash() {
    var m = /^#step=(\d+)$/.exec(location.hash);
    return m ? Number(m[1]) : 1;
  }
  window.addEventListener("hashchange", function () { go(fromHash(), true); });
  window.bpPage = { go: go, count: count, step: function () { return cur; }, svg: svg };
  go(fromHash(), true);
})();
