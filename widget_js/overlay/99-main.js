/* Start: read the page's product keys, then one call, POST /v1/session,
   proves the link and answers which keys name which products, the bag's
   products in full and the influencer's statuses; then the dots. A link the
   server refuses (401/403) is forgotten, with a notice (40-launcher.js). */

/* The calls of the start: a refusal stops everything; other failures are a
   console line. */
function checked(what, res) {
  if (res.ok && res.data) return res.data;
  if (state.stopped) return null;
  if (res.status === 401 || res.status === 403) refuse(res);
  else if (W.console && console.warn) {
    console.warn("[dots] " + what + ": " + ((res.data && res.data.message) || res.status || "network error"));
  }
  return null;
}

/* Keys of the page (quickKeys, no layout) go with the first call; while
   the server answers, detectProducts() works out which images they sit on,
   and the answer draws the dots at once, in its own task, with that work
   unless the page changed meanwhile. */
function begin() {
  var keys = [];
  quickKeys().forEach(function (key) {
    if (key && !(key in asked) && keys.length < 200) keys.push((asked[key] = key));
  });
  var body = { brand: BRAND };
  var full = storedHandles().filter(function (handle) {
    return typeof handle === "string";
  });
  if (keys.length) body.keys = keys;
  if (full.length) body.full = full.slice(0, 50);
  var call = api("POST", "/v1/session", body);
  var changed = false;
  var early = new MutationObserver(function (records) {
    changed = changed || records.some(isRelevant);
  });
  early.observe(D.documentElement, WATCHED);
  var found = detectProducts();
  call
    .then(
      guard(function (res) {
        early.disconnect();
        var session = checked("session", res);
        if (!session || state.stopped) return;
        state.session = session;
        absorb(session, keys);
        for (var handle in session.statuses || {}) state.statuses[handle] = String(session.statuses[handle]);
        state.bag = readBag();
        mountHost();
        mountLauncher();
        watchPage();
        // A page whose own URL names a product gets its dot from a new
        // detection (urlPage needs the answer).
        drawDots(changed || state.known[pageKey] ? null : found);
        if (session.preview) {
          withDeferred(function (x) {
            x.preview();
          });
        }
        if (CFG.view === "mine") openPanel("mine");
      })
    )
    .catch(function () {
      /* nothing may reach the page's unhandledrejection handlers */
    });
}

var start = guard(function () {
  if (CFG.started || !CFG.token || !BASE || !BRAND || !D.documentElement.attachShadow) return;
  CFG.started = true; // a second copy of this script does nothing
  // The keys are read off the whole page: wait for it when this script came
  // before the end of the HTML (a cached overlay can).
  if (D.readyState === "loading") D.addEventListener("DOMContentLoaded", guard(begin));
  else begin();
});

start();
