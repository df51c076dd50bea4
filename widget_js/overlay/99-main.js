/* Start: prove the link (POST /v1/session), then fetch the catalog and this
   influencer's requests once per visit, then show the dots. A link the
   server refuses (401/403) is forgotten, with a notice (40-launcher.js). */

function applyRequests(requests) {
  // Newest first: the first status seen for a product is its current one.
  requests.forEach(function (request) {
    (request.items || []).forEach(function (item) {
      if (item.product_handle && !(item.product_handle in state.statuses)) {
        state.statuses[item.product_handle] = request.status;
      }
    });
  });
}

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

var start = guard(function () {
  if (CFG.started || !CFG.token || !BASE || !BRAND || !D.documentElement.attachShadow) return;
  CFG.started = true; // a second copy of this script does nothing
  api("POST", "/v1/session", { brand: BRAND })
    .then(function (res) {
      state.session = checked("session", res);
      return state.session && Promise.all([api("GET", "/v1/catalog"), api("GET", "/v1/requests/mine")]);
    })
    .then(
      guard(function (results) {
        var catalog = results && checked("catalog", results[0]);
        var mine = catalog && checked("requests", results[1]);
        if (!catalog || state.stopped) return;
        indexCatalog(catalog.products || []);
        applyRequests((mine && mine.requests) || []);
        state.bag = readBag();
        mountHost();
        mountLauncher();
        watchPage();
        scan();
        if (CFG.view === "mine") openPanel("mine");
      })
    )
    .catch(function () {
      /* nothing may reach the page's unhandledrejection handlers */
    });
});

start();
