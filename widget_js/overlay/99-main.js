/* Start: read the page's product keys, then one call, POST /v1/session,
   proves the link and answers which keys name which products, the bag's
   products in full and the influencer's statuses; then the dots. A
   returning view has the loader make that call and looks the keys up
   meanwhile (firstAnswer). A link the server refuses (401/403) is
   forgotten, with a notice (40-launcher.js). */

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

/* The start's answer, once the page's keys and the bag's products are known.
   A first view (or a preview) asks POST /v1/session with them. A returning
   view has its session call under way already (sent by the loader) and
   looks them up meanwhile by GET at the catalog version it kept (`kept`),
   which the browser's cache answers when the page is unchanged; a sync
   since then (another version in the answer) means looking them up again. */
function firstAnswer(keys, full, kept) {
  if (!kept) {
    return api("POST", "/v1/session", { brand: BRAND, keys: keys, full: full }).then(function (res) {
      absorb(res.ok && res.data, keys);
      return res;
    });
  }
  state.version = kept;
  function looked() {
    return Promise.all([lookupKeys(keys), needFull(full)]);
  }
  // The loader's call resolves to {ok, status, data}, or to nothing when it failed.
  var early = CFG.early.then(function (res) {
    return res || { ok: false, status: 0, data: null };
  });
  return Promise.all([early, looked()]).then(function (both) {
    var res = both[0];
    var now = res.ok && res.data && String(res.data.catalog_version);
    if (!now || now === kept) return res;
    state.version = now;
    state.products = Object.create(null);
    return looked().then(function () {
      return res;
    });
  });
}

/* The host, the launcher and the watchers, with the first dots (drawDots). */
function mountOverlay() {
  mountHost();
  mountLauncher();
  watchPage();
}

/* The page's keys are read first (quickKeys: DOM reads, no layout) and go
   out at once: with the session call on a first view, as cached lookups
   on a returning one. While they are answered, detectProducts() works out
   which images they sit on (the layout-dependent part), and the answer
   draws the dots at once, in its own task, with that work unless the page
   changed meanwhile. */
function begin() {
  var full = storedHandles()
    .filter(function (handle) {
      return typeof handle === "string";
    })
    .slice(0, 50);
  var kept = CFG.early && storageGet("localStorage", VERSION_KEY);
  var keys = [];
  quickKeys().forEach(function (key) {
    if (key && !(key in asked) && keys.length < 200) keys.push((asked[key] = key));
  });
  var call = firstAnswer(keys, full, kept);
  var changed = false;
  var changes = new MutationObserver(function (records) {
    changed = changed || records.some(isRelevant);
  });
  changes.observe(D.documentElement, WATCHED);
  var found = detectProducts();
  call
    .then(
      guard(function (res) {
        changes.disconnect();
        var session = checked("session", res);
        if (!session || state.stopped) return;
        state.session = session;
        absorb(session, []);
        // The next view may send its session call early (loader.js); a
        // preview explains its misses, which only the keyed call does.
        storageSet("localStorage", VERSION_KEY, session.preview ? null : state.version);
        for (var handle in session.statuses || {}) state.statuses[handle] = String(session.statuses[handle]);
        state.bag = readBag();
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
