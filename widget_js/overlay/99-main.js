/* Start: read the page's product keys, then one call, POST /v1/session,
   proves the link and answers which keys name which products, the bag's
   products in full and the influencer's statuses; then the dots. A
   returning view has the loader make that call and draws meanwhile from
   what the last views kept (resume). A link the server refuses (401/403)
   is forgotten, with a notice (40-launcher.js). */

/* The session call's answer, if it is one: a refusal stops everything;
   other failures are a console line. */
function checked(res) {
  if (res.ok && res.data) return res.data;
  if (state.stopped) return null;
  // (Callers run under guard: no console, no error for the page.)
  if (res.status === 401 || res.status === 403) refuse(res);
  else console.warn("[dots] session: " + ((res.data && res.data.message) || res.status || "network error"));
  return null;
}

/* A first view (or a preview): the page's keys are read first (quickKeys:
   DOM reads, no layout) and go out at once with the session call. While it
   is answered, detectProducts() works out which images they sit on (the
   layout-dependent part), and the answer draws the dots at once, in its own
   task, with that work unless the page changed meanwhile. A returning view
   resumes instead. */
function begin() {
  var full = storedHandles();
  var kept = CFG.early && storageGet("localStorage", KEPT_KEY);
  if (kept) return resume(kept, full);
  var keys = [];
  quickKeys().forEach(function (key) {
    if (key && !(key in asked) && keys.length < 200) keys.push((asked[key] = key));
  });
  var call = api("POST", "/v1/session", { brand: BRAND, keys: keys, full: full });
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
        absorb(res.ok && res.data, keys);
        // A page whose own URL names a product gets its dot from a new
        // detection (urlPage needs the answer).
        started(res, changed || state.known[pageKey] || state.known[canonKey] ? null : found);
      })
    )
    .catch(function () {
      /* nothing may reach the page's unhandledrejection handlers */
    });
}

/* A returning view (the link from storage, a catalog version kept): the
   loader sent the session call already. The dots are drawn at once from
   the answers the last views kept (restoreKept), the page's other keys
   looked up by GET at the kept version (which the browser's cache answers
   for a page seen before); the session's answer then confirms the link
   (a refusal takes the dots away), brings the statuses, and, after a sync
   (another version), has everything looked up again. With the same version
   the dots stand as drawn (the page's watchers, on since, see any change):
   no second detection before they are first painted. */
function resume(kept, full) {
  var found = restoreKept(kept);
  var version = state.version;
  if (found) {
    state.bag = readBag();
    drawDots(null);
  }
  CFG.early
    .then(
      guard(function (res) {
        res = res || { ok: false };
        // A sync since: what was kept is of the old catalog.
        if (res.ok && res.data && String(res.data.catalog_version) !== version) {
          forget();
          found = false;
        }
        if (started(res, null, found)) needFull(full);
        // A failed call (said in the console): the dots drawn from what was
        // kept go, as nothing could be sent with them. A refusal stopped all.
        else if (host && !state.stopped) stopOverlay();
      })
    )
    .catch(function () {});
}

/* The session's answer is in: keep it, draw (found: the detection to use,
   else a new one; drawn: the dots on the page stand) and remember the
   catalog version for the next view. False when the answer is a refusal or
   a failure. */
function started(res, found, drawn) {
  var session = checked(res);
  if (!session || state.stopped) return false;
  state.session = session;
  absorb(session, []);
  state.statuses = Object.create(null);
  for (var handle in session.statuses || {}) state.statuses[handle] = String(session.statuses[handle]);
  state.bag = readBag();
  // (Placed again next frame: the statuses may change the dots' widths; the greeting.)
  if (drawn) reposition();
  else drawDots(found);
  renderAllDots();
  keep();
  if (session.preview) {
    withDeferred(function (x) {
      x.preview();
    });
  }
  if (CFG.view === "mine") openPanel("mine");
  return true;
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
