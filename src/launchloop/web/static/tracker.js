/* launchloop tracker (issue 10): page views, experience signals, batching. No build step.
 * <script src="https://HOST/static/tracker.js" data-key="PUBLIC_KEY" defer></script>
 * Options: data-host, data-cookieless, data-respect-dnt, data-autocapture="false",
 * data-slow-ms, data-flush-ms, data-max-queue, data-widget (see docs/tracker.md). */
(function (w, d) {
  "use strict";
  var old = w.launchloop;
  if (old && old.loaded) return;
  var script = d.currentScript || d.querySelector("script[data-key][src*='tracker']");
  var given = w.launchloopConfig || {};
  function opt(name, fallback) {
    var v = given[name.replace(/-(\w)/g, function (_, c) { return c.toUpperCase(); })];
    if (v === undefined && script) v = script.getAttribute("data-" + name);
    return v === undefined || v === null ? fallback : v;
  }
  function flag(name) { var v = opt(name, false); return v === true || v === "true" || v === ""; }
  var key = opt("key", "");
  var host = String(opt("host", script && script.src ? new URL(script.src).origin : location.origin)).replace(/\/$/, "");
  var cookieless = flag("cookieless");
  var auto = opt("autocapture", "true") !== "false" && opt("autocapture", true) !== false;
  var slowMs = +opt("slow-ms", 4000);
  var flushMs = +opt("flush-ms", 1000);
  var maxQueue = +opt("max-queue", 1000);
  var nav = w.navigator;
  var blocked = flag("respect-dnt") &&
    (nav.doNotTrack === "1" || w.doNotTrack === "1" || nav.globalPrivacyControl === true);
  var SESSION_MS = 30 * 60 * 1000;
  var memory = {};
  var listeners = [];
  var queue = [];
  var failures = 0;
  var timer = null;
  var sending = null;

  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (Math.random() * 16) >> (c / 4)).toString(16);
    });
  }
  // First-party storage, or memory only in cookieless mode (nothing kept on the device).
  function load(name) {
    if (cookieless) return memory[name] || null;
    try { return w.localStorage.getItem("ll_" + name); } catch (e) { return memory[name] || null; }
  }
  function save(name, value) {
    memory[name] = value;
    if (cookieless) return;
    try {
      if (value === null) w.localStorage.removeItem("ll_" + name);
      else w.localStorage.setItem("ll_" + name, value);
    } catch (e) { /* storage refused: memory keeps it for this page */ }
  }
  function anonId() {
    var id = load("anon_id");
    if (!id) { id = uuid(); save("anon_id", id); }
    return id;
  }
  function distinctId() { return load("user_id") || anonId(); }
  function sessionId() {
    var now = Date.now(), raw = load("session"), parts = raw ? raw.split("|") : [];
    var id = parts[0] && now - +parts[1] < SESSION_MS ? parts[0] : uuid();
    save("session", id + "|" + now);
    return id;
  }
  function utm() {
    var out = {}, q = new URLSearchParams(location.search);
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (k) {
      if (q.get(k)) out[k] = q.get(k);
    });
    return out;
  }
  function context() {
    var ref = d.referrer;
    return {
      $current_url: location.href, $host: location.host, $pathname: location.pathname,
      $referrer: ref || "$direct", $referring_domain: ref ? new URL(ref).host : "$direct",
      $title: d.title, $session_id: sessionId(), $lib: "launchloop-js", $lib_version: "1",
      $screen_width: w.screen.width, $screen_height: w.screen.height,
      $viewport_width: w.innerWidth, $raw_user_agent: nav.userAgent, $browser_language: nav.language
    };
  }
  function assign(to, from) { for (var k in from) if (from.hasOwnProperty(k)) to[k] = from[k]; return to; }

  function capture(name, props, id) {
    if (blocked || !name) return;
    var properties = assign(context(), props || {});
    var event = { uuid: uuid(), event: String(name), distinct_id: id || distinctId(),
      timestamp: new Date().toISOString(), properties: properties };
    queue.push(event);
    if (queue.length > maxQueue) queue.splice(0, queue.length - maxQueue); // bounded: oldest go
    listeners.forEach(function (fn) { try { fn(event); } catch (e) { /* a listener's bug */ } });
    if (queue.length >= 20 && !failures) { clearTimeout(timer); timer = null; schedule(0); } else schedule(flushMs);
  }
  function schedule(delay) {
    if (timer === null) timer = setTimeout(function () { timer = null; flush(); }, delay);
  }
  function body(events) { return JSON.stringify({ api_key: key, events: events }); }
  // Sends the queue; resolves once every batch got an answer (or a failure put it back).
  function flush() {
    if (sending) return sending.then(flush);
    if (!queue.length || blocked) return Promise.resolve();
    var batch = queue.splice(0, 100);
    sending = fetch(host + "/api/v1/events", {
      method: "POST", body: body(batch), keepalive: true,
      headers: { "Content-Type": "application/json" }
    }).then(function (r) {
      if (r.status === 429 || r.status >= 500) throw new Error("retry");
      failures = 0; // 2xx, or 4xx (bad key, bad events): retrying would not help
    }).catch(function () {
      queue = batch.concat(queue).slice(-maxQueue); // bounded: oldest go
      failures += 1;
    }).then(function () {
      sending = null;
      if (!queue.length) return;
      if (failures) { schedule(Math.min(30000, 1000 * Math.pow(2, failures - 1))); return; }
      return flush();
    });
    return sending;
  }
  // On page hide, sendBeacon outlives the page; text/plain avoids a CORS preflight.
  function beacon() {
    while (queue.length) {
      var batch = queue.splice(0, 50);
      var sent = nav.sendBeacon && nav.sendBeacon(host + "/api/v1/events", new Blob([body(batch)], { type: "text/plain" }));
      if (!sent) { queue = batch.concat(queue); flush(); return; }
    }
  }

  function selector(el) {
    var parts = [];
    while (el && el.nodeType === 1 && parts.length < 5) {
      var part = el.tagName.toLowerCase();
      if (el.id) { parts.unshift(part + "#" + CSS.escape(el.id)); break; }
      var cls = (typeof el.className === "string" ? el.className : "").trim().split(/\s+/).filter(Boolean);
      if (cls.length) part += "." + cls.slice(0, 2).map(CSS.escape).join(".");
      var parent = el.parentElement;
      if (parent) {
        var same = Array.prototype.filter.call(parent.children, function (c) { return c.tagName === el.tagName; });
        if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(el) + 1) + ")";
      }
      parts.unshift(part);
      el = parent;
    }
    return parts.join(" > ");
  }
  function target(el) {
    return { $selector: selector(el), $element_tag: el.tagName.toLowerCase(),
      $element_text: (el.innerText || el.value || "").trim().slice(0, 100) };
  }

  // Page views: load, history API (pushState, replaceState), back/forward and hash changes.
  var lastUrl = null, lastPath = null;
  function pageview() {
    if (location.href === lastUrl) return;
    abandonForms();
    var props = assign(utm(), lastPath ? { $prev_pathname: lastPath } : {});
    lastUrl = location.href; lastPath = location.pathname;
    capture("$pageview", props);
  }
  function watchHistory() {
    ["pushState", "replaceState"].forEach(function (name) {
      var original = history[name];
      history[name] = function () {
        var result = original.apply(this, arguments);
        pageview();
        return result;
      };
    });
    w.addEventListener("popstate", pageview);
    w.addEventListener("hashchange", pageview);
  }

  // Rage clicks (3+ within 1 s, within 30 px) and dead clicks (nothing changes within 1 s).
  var clicks = [], changed = 0;
  function onClick(e) {
    var el = e.target, now = Date.now();
    if (!el || el.nodeType !== 1 || el.closest("[data-ll-ignore]")) return;
    clicks = clicks.filter(function (c) {
      return now - c.t < 1000 && Math.abs(c.x - e.clientX) < 30 && Math.abs(c.y - e.clientY) < 30;
    });
    clicks.push({ t: now, x: e.clientX, y: e.clientY });
    if (clicks.length >= 3) {
      capture("$rageclick", assign(target(el), { $clicks: clicks.length, $x: e.clientX, $y: e.clientY }));
      clicks = [];
    }
    if (el.closest("input, select, textarea, label, [contenteditable]")) return;
    var before = changed, url = location.href, props = target(el);
    setTimeout(function () {
      if (changed === before && url === location.href && d.visibilityState === "visible") {
        capture("$dead_click", props);
      }
    }, 1000);
  }
  function watchChanges() {
    function bump() { changed += 1; }
    if (w.MutationObserver) {
      new MutationObserver(bump).observe(d.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
    }
    w.addEventListener("scroll", bump, true); // focus moves with every click: not a change
  }

  // Errors and unhandled rejections, named as friction analytics reads them.
  function exception(error, extra) {
    var e = error instanceof Error ? error : null;
    capture("$exception", assign({
      $exception_type: e ? e.name : "Error", $exception_message: String(e ? e.message : error).slice(0, 1000),
      $exception_stack: e && e.stack ? String(e.stack).slice(0, 4000) : undefined
    }, extra));
  }
  function watchErrors() {
    w.addEventListener("error", function (e) {
      if (e.target !== w && e.target && e.target.nodeType === 1) return; // a resource, not a script
      exception(e.error || e.message, { $exception_source: e.filename, $exception_lineno: e.lineno, $exception_colno: e.colno });
    });
    w.addEventListener("unhandledrejection", function (e) {
      exception(e.reason, { $exception_is_rejection: true });
    });
  }

  // Load time (navigation timing) and Web Vitals, sent once as $web_vitals when the page hides.
  var vitals = {}, vitalsSent = false;
  function observe(type, fn) {
    try { new PerformanceObserver(function (l) { l.getEntries().forEach(fn); }).observe({ type: type, buffered: true }); } catch (e) { /* not exposed */ }
  }
  function watchPerformance() {
    observe("largest-contentful-paint", function (en) { vitals.$web_vitals_LCP_value = Math.round(en.startTime); });
    observe("paint", function (en) { if (en.name === "first-contentful-paint") vitals.$web_vitals_FCP_value = Math.round(en.startTime); });
    observe("layout-shift", function (en) { if (!en.hadRecentInput) vitals.$web_vitals_CLS_value = (vitals.$web_vitals_CLS_value || 0) + en.value; });
    w.addEventListener("load", function () {
      setTimeout(function () {
        var n = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
        if (!n) return;
        vitals.$performance_page_loaded = Math.round(n.loadEventEnd || n.duration);
        vitals.$web_vitals_TTFB_value = Math.round(n.responseStart);
      }, 0);
    });
  }
  function sendVitals() {
    if (vitalsSent || !auto) return;
    var loaded = vitals.$performance_page_loaded;
    if (loaded === undefined && vitals.$web_vitals_LCP_value === undefined) return;
    vitalsSent = true;
    capture("$web_vitals", assign({ $slow: Math.max(loaded || 0, vitals.$web_vitals_LCP_value || 0) > slowMs }, vitals));
  }

  // Form abandonment: a form started (first input) and left unsubmitted (page hide or route change).
  var forms = [];
  function onInput(e) {
    var form = e.target && e.target.form;
    if (!form || form.closest("[data-ll-ignore]") || forms.some(function (f) { return f.el === form; })) return;
    var props = assign(target(form), { $form_name: form.getAttribute("name") || form.id || undefined });
    forms.push({ el: form, props: props, path: location.pathname, done: false });
    capture("$form_start", props);
  }
  function onSubmit(e) {
    if (!e.target.closest || e.target.closest("[data-ll-ignore]")) return;
    forms.forEach(function (f) { if (f.el === e.target) f.done = true; });
    capture("$form_submit", assign(target(e.target), { $form_name: e.target.getAttribute("name") || e.target.id || undefined }));
  }
  function abandonForms() {
    forms.forEach(function (f) {
      if (!f.done) capture("$form_abandon", assign({ $pathname: f.path }, f.props));
    });
    forms = [];
  }

  function onHide() {
    if (d.visibilityState === "hidden" || arguments[0].type === "pagehide") {
      sendVitals();
      if (arguments[0].type === "pagehide") { abandonForms(); capture("$pageleave", {}); }
      beacon();
    }
  }

  var api = {
    loaded: true,
    track: function (name, props) { capture(name, props); },
    identify: function (id, traits) {
      if (!id || blocked) return;
      id = String(id);
      var anon = distinctId();
      save("user_id", id);
      capture("$identify", { $anon_distinct_id: anon, $set: traits || {} }, id);
    },
    reset: function () { save("user_id", null); save("anon_id", null); save("session", null); },
    page: pageview,
    flush: flush,
    distinctId: distinctId,
    sessionId: function () { return load("session") ? load("session").split("|")[0] : sessionId(); },
    onEvent: function (fn) { listeners.push(fn); },
    config: { key: key, host: host, cookieless: cookieless, blocked: blocked, store: { load: load, save: save } }
  };
  w.launchloop = api;
  if (blocked) return;
  if (auto) {
    watchHistory(); watchChanges(); watchErrors(); watchPerformance();
    d.addEventListener("click", onClick, true);
    d.addEventListener("input", onInput, true);
    d.addEventListener("change", onInput, true);
    d.addEventListener("submit", onSubmit, true);
    pageview();
  }
  d.addEventListener("visibilitychange", onHide);
  w.addEventListener("pagehide", onHide);
  if (old && old.q) old.q.forEach(function (call) { if (api[call[0]]) api[call[0]].apply(api, call[1]); });
  if (flag("widget")) {
    var s = d.createElement("script");
    s.src = host + "/static/widget.js"; s.defer = true;
    d.head.appendChild(s);
  }
})(window, document);
