/* Start: prove the link (POST /v1/session), then fetch the catalog and this
   influencer's requests once per visit, then show the dots. A 401 clears the
   stored token (in api()) and nothing is shown. */

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

function warn(what, res) {
  if (W.console && console.warn) {
    console.warn("[dots] " + what + ": " + ((res.data && res.data.message) || res.status || "network error"));
  }
}

var start = guard(function () {
  if (CFG.started || !CFG.token || !BASE || !BRAND || !D.documentElement.attachShadow) return;
  CFG.started = true; // a second copy of this script does nothing
  api("POST", "/v1/session", { brand: BRAND })
    .then(function (session) {
      if (!session.ok) {
        if (session.status !== 401) warn("session", session);
        return null;
      }
      state.session = session.data;
      return Promise.all([api("GET", "/v1/catalog"), api("GET", "/v1/requests/mine")]);
    })
    .then(
      guard(function (results) {
        if (!results || state.stopped) return;
        var catalog = results[0];
        var mine = results[1];
        if (!catalog.ok || !catalog.data) {
          warn("catalog", catalog);
          return;
        }
        indexCatalog(catalog.data.products || []);
        if (mine.ok && mine.data) applyRequests(mine.data.requests || []);
        loadBag();
        mountHost();
        mountLauncher();
        watchPage();
        scan();
        greet();
      })
    )
    .catch(function () {
      /* nothing may reach the page's unhandledrejection handlers */
    });
});

start();
