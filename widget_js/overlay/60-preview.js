/* Preview links: the brand's install check (docs/widget-protocol.md,
   "Preview links"). The dots show as an influencer sees them, plus an
   "Install check" button beside the launcher that opens the panel's
   "diagnostics" view with dots:diagnostics: what detection found, the
   loader's script tags, and the CSP violations seen since the start. The
   view is the panel's (88-diagnostics.js), so this file stays small. */

var cspBlocked = []; // "<effective directive> <blocked host>", never a full URL
var checkButton = null;

CSS +=
  ".bar{position:absolute;left:16px;right:16px;bottom:calc(16px + env(safe-area-inset-bottom,0px));display:flex;" +
  "flex-wrap:wrap-reverse;gap:8px}.bar .launcher{position:static;max-width:100%}" +
  ".launcher.check{background:#fff;color:#111827}.launcher.check:hover{background:#f3f4f6}";

/* Listening from the start: by the time the session says "preview", the
   page may already have blocked a request of ours. */
var onViolation = guard(function (event) {
  if (state.session && !state.session.preview) return D.removeEventListener("securitypolicyviolation", onViolation);
  var where = String(event.blockedURI || "");
  try {
    where = new URL(where).host;
  } catch (err) {
    where = where.slice(0, 20); // a keyword ("inline", "eval"), not a URL
  }
  var entry = event.effectiveDirective + (where ? " " + where : "");
  if (cspBlocked.indexOf(entry) < 0 && cspBlocked.length < 20) cspBlocked.push(entry);
  // A panel the page may not frame cannot show the check: say it here.
  if (checkButton && /^(frame|child)-src/.test(entry) && BASE.split("//")[1] === where) {
    toast("This page's CSP blocks the Dots panel: add " + BASE + " to frame-src.", "");
  }
});
D.addEventListener("securitypolicyviolation", onViolation);

/* Called by 99-main.js once mounted, when the session answered preview: true. */
function startPreview() {
  checkButton = h("button", { type: "button", class: "launcher check", onclick: openCheck }, [
    h("span", { class: "mark", "aria-hidden": "true" }),
    "Install check",
  ]);
  ui.appendChild(h("div", { class: "bar" }, [launcher, checkButton]));
  W.addEventListener("message", function (event) {
    // A (re)loaded frame has lost what it was sent.
    var ours = frame && event.source === frame.contentWindow && event.origin === BASE;
    if (ours && (event.data || {}).type === "dots:ready") postToPanel(diagnostics());
  });
}

function openCheck() {
  if (frameReady) postToPanel(diagnostics());
  openPanel("diagnostics", checkButton);
}

/* dots:diagnostics, as the protocol shapes it. */
function diagnostics() {
  var tags = D.querySelectorAll("script[src*='/v1/dots.js']");
  return {
    type: "dots:diagnostics",
    page: {
      url: W.location.href.split("#")[0],
      script_tags: tags.length,
      script_src: tags.length ? tags[0].src : "",
      csp_blocked: cspBlocked.slice(),
    },
    origin: state.session.diagnostics || null,
    found: (state.found || []).slice(0, 500).map(describe),
  };
}

/* One element detection found: its keys, the product it matched (and by
   which key) or why not, and a short label (alt text or link path). */
function describe(found) {
  var keys = (found.keys || []).slice(0, 20);
  var handle = found.handle || null;
  var misses = state.misses || {};
  var known = state.known || {}; // key -> the handle it names
  var el = found.el && found.el.getAttribute ? found.el : null;
  var link = keys.filter(function (k) {
    return k.slice(0, 2) === "u:";
  })[0];
  var label = (el && (el.getAttribute("alt") || el.getAttribute("aria-label"))) || (link || keys[0] || "").slice(2);
  var why = "unknown";
  var match = null;
  keys.forEach(function (k) {
    if (misses[k] && why === "unknown") why = misses[k];
    if (handle && known[k] === handle && !match) match = k;
  });
  return {
    keys: keys,
    handle: handle,
    reason: handle ? "matched" : why,
    match: match,
    label: label.slice(0, 80),
  };
}
