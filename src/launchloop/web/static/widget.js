/* launchloop feedback widget (issue 10): a feedback button, NPS and CSAT surveys on rules.
 * Load after tracker.js: <script src="https://HOST/static/widget.js" defer></script>
 * Options: data-lang ("en", "fr"), data-button="false" (surveys only). Styles: the .ll-w-*
 * classes and the --ll-* custom properties; page styles win (this sheet is inserted first). */
(function (w, d) {
  "use strict";
  var ll = w.launchloop;
  if (!ll || !ll.loaded || ll.widget || ll.config.blocked) return;
  var script = d.currentScript;
  function opt(name, fallback) {
    var v = script && script.getAttribute("data-" + name);
    return v === null || v === undefined ? fallback : v;
  }
  var lang = (opt("lang", d.documentElement.lang || navigator.language || "en")).slice(0, 2) === "fr" ? "fr" : "en";
  var TEXT = {
    en: { button: "Feedback", title: "Send us your feedback", comment: "Your comment", rating: "Your rating (optional)",
      email: "Email (optional)", send: "Send", close: "Close", thanks: "Thank you!", why: "What is the main reason for your score?",
      nps: "How likely are you to recommend us to a friend or colleague?", csat: "How satisfied are you with this page?",
      low: "Not at all likely", high: "Extremely likely", error: "Sending failed, please retry." },
    fr: { button: "Votre avis", title: "Donnez-nous votre avis", comment: "Votre commentaire", rating: "Votre note (facultative)",
      email: "E-mail (facultatif)", send: "Envoyer", close: "Fermer", thanks: "Merci !", why: "Quelle est la raison principale de votre note ?",
      nps: "Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?", csat: "Êtes-vous satisfait de cette page ?",
      low: "Pas du tout probable", high: "Très probable", error: "L'envoi a échoué, veuillez réessayer." }
  }[lang];
  var CSS = ".ll-w-button{position:fixed;right:var(--ll-offset,16px);bottom:var(--ll-offset,16px);z-index:2147483000;" +
    "background:var(--ll-accent,#2453d6);color:var(--ll-on-accent,#fff);border:0;border-radius:6px;padding:8px 14px;font:inherit;cursor:pointer}" +
    ".ll-w-panel{position:fixed;right:var(--ll-offset,16px);bottom:calc(var(--ll-offset,16px) + 48px);z-index:2147483001;width:min(360px,90vw);" +
    "background:var(--ll-surface,#fff);color:var(--ll-text,#1b1b1f);border:1px solid #ccd;border-radius:8px;padding:16px;box-shadow:0 6px 24px rgba(0,0,0,.18);font:inherit}" +
    ".ll-w-panel h2{font-size:1.05em;margin:0 0 8px}.ll-w-panel label{display:block;margin:8px 0 4px}" +
    ".ll-w-panel textarea,.ll-w-panel input[type=email]{width:100%;box-sizing:border-box;font:inherit}" +
    ".ll-w-scale{display:flex;flex-wrap:wrap;gap:4px;border:0;padding:0;margin:8px 0}" +
    ".ll-w-scale label{margin:0}.ll-w-scale input{position:absolute;opacity:0}" +
    ".ll-w-scale span{display:inline-block;min-width:26px;padding:4px;text-align:center;border:1px solid #99a;border-radius:4px;cursor:pointer}" +
    ".ll-w-scale input:checked+span{background:var(--ll-accent,#2453d6);color:var(--ll-on-accent,#fff)}" +
    ".ll-w-scale input:focus-visible+span{outline:2px solid var(--ll-accent,#2453d6);outline-offset:2px}" +
    ".ll-w-actions{display:flex;gap:8px;justify-content:flex-end;margin-top:12px}.ll-w-hint{font-size:.85em;opacity:.8}";
  var style = d.createElement("style");
  style.textContent = CSS;
  d.head.insertBefore(style, d.head.firstChild);

  var host = ll.config.host, key = ll.config.key, store = ll.config.store;
  var opener = null, panel = null, n = 0;

  function el(tag, attrs, children) {
    var node = d.createElement(tag);
    for (var k in attrs) if (attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? d.createTextNode(c) : c); });
    return node;
  }
  function scale(name, low, high, legend) {
    var box = el("fieldset", { "class": "ll-w-scale" }, [el("legend", {}, [legend])]);
    for (var i = low; i <= high; i++) {
      box.appendChild(el("label", {}, [el("input", { type: "radio", name: name, value: String(i) }), el("span", {}, [String(i)])]));
    }
    return box;
  }
  function close(reason, survey) {
    if (!panel) return;
    panel.remove(); panel = null;
    if (survey && reason === "dismissed") ll.track("survey dismissed", { $survey_id: survey.id });
    if (opener) opener.focus();
  }
  function open(title, fields, onSend, survey) {
    close();
    n += 1;
    var titleId = "ll-w-title-" + n;
    var status = el("p", { role: "status", "class": "ll-w-hint" });
    var form = el("form", { "class": "ll-w-form", "data-ll-ignore": "" }, fields.concat([status, el("div", { "class": "ll-w-actions" }, [
      el("button", { type: "button", "class": "ll-w-close" }, [TEXT.close]),
      el("button", { type: "submit", "class": "ll-w-send" }, [TEXT.send])])]));
    panel = el("div", { "class": "ll-w-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": titleId, "data-ll-ignore": "" },
      [el("h2", { id: titleId }, [title]), form]);
    d.body.appendChild(panel);
    form.querySelector(".ll-w-close").addEventListener("click", function () { close("dismissed", survey); });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close("dismissed", survey); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      e.stopPropagation();
      onSend(new FormData(form)).then(function () {
        form.replaceWith(el("p", { role: "status" }, [TEXT.thanks]));
        setTimeout(function () { close("sent"); }, 1500);
      }, function () { status.textContent = TEXT.error; });
    });
    var first = form.querySelector("input, textarea");
    if (first) first.focus();
  }
  // One feedback item, linked to the person (author: the distinct id) and the page.
  function send(item, event) {
    var body = { api_key: key, items: [Object.assign({
      author: ll.distinctId(), page: location.pathname, channel: "widget", language: lang,
      external_id: "widget-" + (crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random()),
      tags: ["url:" + location.href.slice(0, 180)]
    }, item)] };
    return fetch(host + "/api/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (answer) { ll.track(event.name, Object.assign({ $feedback_id: answer.ids[0] }, event.props)); return ll.flush(); });
  }
  function score(data, name) { var v = data.get(name); return v === null || v === "" ? undefined : +v; }

  function openFeedback() {
    var comment = el("textarea", { id: "ll-w-comment", name: "comment", rows: "4", required: "" });
    var email = el("input", { id: "ll-w-email", name: "email", type: "email", autocomplete: "email" });
    open(TEXT.title, [el("label", { "for": "ll-w-comment" }, [TEXT.comment]), comment,
      scale("rating", 1, 5, TEXT.rating), el("label", { "for": "ll-w-email" }, [TEXT.email]), email], function (data) {
      var mail = String(data.get("email") || "").trim();
      var props = { $survey_id: "feedback", $survey_response: data.get("comment"), $rating: score(data, "rating") };
      if (mail) props.$set = { email: mail };
      return send({ kind: "in_app", text: String(data.get("comment")), score: score(data, "rating") }, { name: "survey sent", props: props });
    });
  }

  // Surveys: rules come from the server ([[surveys]] in launchloop.toml), state stays here.
  var surveys = [];
  function pageMatches(rule) {
    if (!rule.page) return true;
    var pattern = new RegExp("^" + rule.page.split("*").map(function (s) { return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"); }).join(".*") + "$");
    return pattern.test(location.pathname);
  }
  function due(rule) {
    var last = +(store.load("survey_" + rule.id) || 0);
    return !last || Date.now() - last > rule.once_per_days * 86400000;
  }
  function consider(event) {
    if (panel) return;
    for (var i = 0; i < surveys.length; i++) {
      var rule = surveys[i];
      var trigger = rule.after_event ? event && event.event === rule.after_event : event && event.event === "$pageview";
      if (trigger && pageMatches(rule) && due(rule)) { showSurvey(rule); return; }
    }
  }
  function showSurvey(rule) {
    store.save("survey_" + rule.id, String(Date.now()));
    var low = rule.kind === "nps" ? 0 : 1, high = rule.kind === "nps" ? 10 : 5;
    var question = (rule.question && (rule.question[lang] || rule.question.en)) || TEXT[rule.kind];
    var why = el("textarea", { id: "ll-w-why", name: "why", rows: "3" });
    var fields = [scale("score", low, high, question)];
    if (rule.kind === "nps") fields.push(el("p", { "class": "ll-w-hint" }, [low + ": " + TEXT.low + " · " + high + ": " + TEXT.high]));
    fields.push(el("label", { "for": "ll-w-why" }, [TEXT.why]), why);
    ll.track("survey shown", { $survey_id: rule.id, $survey_kind: rule.kind });
    open(question, fields, function (data) {
      var value = score(data, "score");
      if (value === undefined) return Promise.reject(new Error("no score"));
      var text = String(data.get("why") || "");
      return send({ kind: rule.kind, score: value, text: text, channel: "survey:" + rule.id, feature: rule.feature },
        { name: "survey sent", props: { $survey_id: rule.id, $survey_kind: rule.kind, $survey_response: value, $survey_response_text: text } });
    }, rule);
    var first = panel.querySelector("input");
    if (first) first.focus();
  }

  if (opt("button", "true") !== "false") {
    opener = el("button", { type: "button", "class": "ll-w-button", "aria-haspopup": "dialog", "data-ll-ignore": "" }, [TEXT.button]);
    opener.addEventListener("click", openFeedback);
    d.body.appendChild(opener);
  }
  var ready = fetch(host + "/api/v1/surveys?api_key=" + encodeURIComponent(key)).then(function (r) { return r.ok ? r.json() : []; }).then(function (rules) {
    surveys = rules;
    ll.onEvent(consider);
    consider({ event: "$pageview" });
  }).catch(function () { /* no surveys: the button still works */ });
  ll.widget = { open: openFeedback, ready: ready,
    survey: function (id) { surveys.forEach(function (r) { if (r.id === id) showSurvey(r); }); } };
})(window, document);
