/* The JSON API, as seen from the host page. Every call resolves (never
   rejects) to {ok, status, data}: a network error is status 0. */

function api(method, path, body) {
  var headers = { Authorization: "Bearer " + CFG.token, Accept: "application/json" };
  var init = { method: method, headers: headers, mode: "cors", credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  var sep = path.indexOf("?") < 0 ? "?" : "&";
  var url = BASE + path + (method === "GET" ? sep + "brand=" + encodeURIComponent(BRAND) : "");
  try {
    return W.fetch(url, init)
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (res.status === 401) onUnauthorized();
            return { ok: res.ok, status: res.status, data: data };
          });
      })
      .catch(function () {
        return { ok: false, status: 0, data: null };
      });
  } catch (err) {
    return Promise.resolve({ ok: false, status: 0, data: null });
  }
}

/* The link was revoked or has expired: forget it and leave the page as it
   was, without a word to the shopper-facing page. */
function onUnauthorized() {
  storageSet("localStorage", CFG.key, null);
  storageSet("sessionStorage", BAG_KEY, null);
  CFG.token = null;
  stopOverlay();
}
