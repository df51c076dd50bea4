/* The JSON API, as seen from the host page. Every call resolves (never
   rejects) to {ok, status, data}: a network error is status 0. What a
   refusal means is the caller's business (99-main.js decides). */

function api(method, path, body) {
  var headers = { Authorization: "Bearer " + CFG.token, Accept: "application/json" };
  var init = { method: method, headers: headers, mode: "cors", credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  var sep = path.indexOf("?") < 0 ? "?" : "&";
  var url = BASE + path + (method === "GET" ? sep + "brand=" + encodeURIComponent(BRAND) : "");
  var failed = { ok: false, status: 0, data: null };
  try {
    return W.fetch(url, init)
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { ok: res.ok, status: res.status, data: data };
          });
      })
      .catch(function () {
        return failed;
      });
  } catch (err) {
    return Promise.resolve(failed);
  }
}
