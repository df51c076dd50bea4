/* The JSON API, as seen from the host page. Every call resolves (never
   rejects) to {ok, status, data}: a network error is status 0. What a
   refusal means is the caller's business (99-main.js decides). A GET is the
   public product lookup: no token (so no preflight) and the browser's own
   cache, since its answer is the same for everyone. (The loader may have
   sent the session call already: CFG.early, loader.js.) */

function api(method, path, body) {
  var headers = { Accept: "application/json" };
  var init = { method: method, headers: headers, mode: "cors", credentials: "omit" };
  if (method !== "GET") {
    headers.Authorization = "Bearer " + CFG.token;
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  var failed = { ok: false, status: 0, data: null };
  try {
    return W.fetch(BASE + path, init)
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
