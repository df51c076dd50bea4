/* Dots loader: no token → no work; #dots=<token> → keep it, load the overlay.
   Every dots… fragment parameter leaves the URL; #dotsview=mine opens "My requests".
   A page's own script may have rewritten the URL before this one ran (Shopify
   Hydrogen puts the variant's options in it, fragment gone): then the fragment
   is read from the URL the page was opened with (its navigation entry).
   The API is data-api's origin (else the loader's own); the overlay sits next to
   the loader, wherever it is served from (the widget server, a CDN).
   A returning view (its link from storage, answers kept from the last view)
   sends the session call now, while the overlay loads:
   __dots.early is its promise of {ok, status, data} (none on failure). */
(function (w, d) {
  try {
    var s = d.currentScript || d.querySelector("script[src*='/v1/dots.js']"),
      b = s && s.getAttribute("data-brand"), l = w.location, k = "dots:" + b, t, f, v, h, u, r, n, c, o, e;
    if (!b || w.__dots) return; // 2nd tag: no-op
    // read now, before a router rewrites the URL
    c = function (x) {
      return x.slice(1).split("&").filter(function (p) {
        var m = /^dots([^=]*)=?(.*)/.exec(p);
        if (!m) return 1;
        f = 1;
        m[1] ? m[1] == "view" && (v = m[2]) : t = decodeURIComponent(m[2]);
      }).join("&");
    };
    h = c(l.hash);
    if (f) history.replaceState(history.state, "", l.href.split("#")[0] + (h ? "#" + h : ""));
    else if (o = w.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) c(new URL(o.name).hash);
    // e: what the last view kept (any), for a link read from storage
    try { t ? localStorage.setItem(k, t) : (t = localStorage.getItem(k)) && (e = localStorage.getItem(k + ":v")); } catch (x) {}
    if (!t) return;
    u = new URL(s.getAttribute("data-api") || s.src).origin;
    r = new URL("..", s.src).href; // the folder holding v1/
    n = s.nonce || "";
    w.__dots = o = { brand: b, token: t, base: u, root: r, key: k, zIndex: s.getAttribute("data-z-index"), nonce: n, view: v };
    if (e && w.fetch) o.early = w.fetch(u + "/v1/session", {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: { Accept: "application/json", Authorization: "Bearer " + t, "Content-Type": "application/json" },
      body: JSON.stringify({ brand: b })
    }).then(function (a) { // read now: the overlay finds the answer ready
      return a.json().then(function (j) { return { ok: a.ok, status: a.status, data: j }; });
    }).catch(function () {}); // a failure is the overlay's to report
    c = d.createElement("script");
    c.async = !0;
    c.src = new URL(".__DOTS_OVERLAY_PATH__", r);
    if (n) c.setAttribute("nonce", n); // CSP
    (d.head || d.documentElement).appendChild(c);
  } catch (e) {}
})(window, document);
