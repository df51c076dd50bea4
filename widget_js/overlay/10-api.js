/* The JSON API, as seen from the host page. Every call resolves (never
   rejects) to {ok, status, data}: a network error is status 0. What a
   refusal means is the caller's business (99-main.js decides). A GET is the
   public product lookup: no token (so no preflight) and the browser's own
   cache, since its answer is the same for everyone. The loader may have sent
   the session call already (CFG.early, loader.js): answer() reads it. */

function api(method, path, body) {
  var headers = { Accept: "application/json" };
  var init = { method: method, headers: headers, mode: "cors", credentials: "omit" };
  if (method !== "GET") {
    headers.Authorization = "Bearer " + CFG.token;
    headers["Content-Type"] = "application/json";
    init.cache = "no-store";
    init.body = JSON.stringify(body);
  }
  var call;
  try {
    call = W.fetch(BASE + path, init);
  } catch (err) {
    call = Promise.reject(err);
  }
  return answer(call);
}

/* A fetch's promise as {ok, status, data}; no response (a network error, or
   the loader's early call that failed) is status 0. */
function answer(call) {
  var failed = { ok: false, status: 0, data: null };
  return Promise.resolve(call)
    .then(function (res) {
      if (!res) return failed;
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
}
