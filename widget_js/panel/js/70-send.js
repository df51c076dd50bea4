/* Checking and sending the request. The same local checks run on submit
   and, field by field, while the influencer fixes what they flagged; the
   server checks everything again. */

var sending = false;
var attempt = { body: null, key: null, retryable: false }; // for Idempotency-Key reuse

function validUrl(text) {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch (err) {
    return false;
  }
}

/* Every local problem of the form, by field path. */
function localErrors() {
  var errors = {};
  if (!lines.length) {
    errors.items = ["Add at least one product: " + pointerWord().toLowerCase() + " a dot on the store."];
  }
  else if (unitsProblem()) errors.items = [unitsProblem()];
  lines.forEach(function (line, i) {
    var problem = variantProblem(line);
    if (problem) errors["items." + i + ".variant_id"] = [problem];
  });
  if (valueProblem()) errors.total = [valueProblem()];
  var draft = readDraft();
  if (!draft.content_types.length) errors["proposal.content_types"] = ["Pick at least one kind of content."];
  if (!draft.platforms.length) {
    errors["proposal.platforms"] = [
      state.profile.handles.length ? "Pick at least one platform." : "Add the account you will publish on.",
    ];
  }
  var date = $("publish-on");
  if (!date.value) errors["proposal.publish_on"] = ["Pick a date."];
  else if (date.value < date.min) errors["proposal.publish_on"] = ["Pick a date from today on."];
  else if (date.value > date.max) errors["proposal.publish_on"] = ["Pick a date within the next year."];
  if (!draft.message.trim()) errors["proposal.message"] = ["Tell " + state.brandName + " what you have in mind."];
  linkInputs().forEach(function (input, i) {
    var value = input.value.trim();
    if (value && !validUrl(value)) errors["proposal.links." + i] = ["Enter a full web address starting with https://"];
  });
  if (shipChoice() === "new") addressErrors(errors);
  return errors;
}

/* The typed address's problems (a saved address is the server's to check). */
function addressErrors(errors) {
  var address = readAddress();
  var required = { name: "your name", line1: "the street address", city: "the city", postal_code: "the postal code" };
  Object.keys(required).forEach(function (key) {
    if (!address[key]) errors["shipping_address." + key] = ["Enter " + required[key] + "."];
  });
  if (!address.country) errors["shipping_address.country"] = ["Choose the country."];
  if (!/^[0-9+()\-. ]{0,40}$/.test(address.phone)) {
    errors["shipping_address.phone"] = ["Use digits, spaces and + - ( )."];
  }
}

function requestBody() {
  var draft = readDraft();
  var proposal = {
    content_types: draft.content_types,
    platforms: draft.platforms,
    message: draft.message.trim(),
    links: draft.links,
  };
  if (draft.publish_on) proposal.publish_on = draft.publish_on;
  return {
    brand: BRAND,
    items: lines.map(function (line) {
      return { variant_id: line.variant_id, quantity: line.quantity };
    }),
    proposal: proposal,
    shipping_address: addressBody(),
  };
}

/* The API counts only the links sent; map its paths back to the inputs. */
function remapLinks(errors) {
  var positions = [];
  linkInputs().forEach(function (input, i) {
    if (input.value.trim()) positions.push(i);
  });
  var out = {};
  Object.keys(errors || {}).forEach(function (path) {
    var m = /^proposal\.links\.(\d+)(.*)$/.exec(path);
    out[m && positions[m[1]] != null ? "proposal.links." + positions[m[1]] + m[2] : path] = errors[path];
  });
  return out;
}

function submit(event) {
  event.preventDefault();
  if (!state.loaded || sending) return;
  clearErrors();
  showBanner([]);
  var local = localErrors();
  if (Object.keys(local).length) return showErrors(local);
  var body = requestBody();
  var text = JSON.stringify(body);
  // A retry of the very same request after a network or server failure
  // reuses its key, so the server can answer with the first result.
  if (!(attempt.retryable && attempt.body === text)) attempt.key = uuid();
  attempt.body = text;
  attempt.retryable = false;
  setSending(true);
  call("POST", "/v1/requests", body, { "Idempotency-Key": attempt.key }).then(function (res) {
    setSending(false);
    if (res.ok) return sent(res.data);
    var d = res.data || {};
    if (res.status === 422 || res.status === 409) {
      // A 409 says why (already requested); a 422's fields say it better.
      var fields = res.status === 422 && d.errors && Object.keys(d.errors).length;
      showErrors(remapLinks(d.errors), fields ? null : d.message);
      return;
    }
    if (res.status === 0 || res.status >= 500) attempt.retryable = true;
    var text =
      res.status === 0 || res.status >= 500
        ? "Could not send your request. Check your connection and try again; it will not be sent twice."
        : failureText(res, "Could not send your request. Try again.");
    showBanner([text], "notice");
    $("form-error").focus();
  });
}

function setSending(on) {
  sending = on;
  var button = $("send");
  button.setAttribute("aria-disabled", on ? "true" : "false");
  button.textContent = on ? "Sending…" : "Send request";
}

function sent(request) {
  var n = (request.items || []).length;
  $("sent-text").textContent =
    state.brandName + " has your request for " + plural(n, "product", "products") +
    (request.expires_at ? " and will answer by " + day(request.expires_at) + "." : ".");
  state.requests.unshift(request);
  renderMine();
  addressSent(JSON.parse(attempt.body).shipping_address);
  // The overlay marks the products as requested and drops them from the bag.
  post({ type: "dots:request", request: request });
  lines = [];
  renderBag();
  bagNote([]);
  applyDraft(freshDraft());
  sendBag();
  attempt = { body: null, key: null, retryable: false };
  show("sent");
}
