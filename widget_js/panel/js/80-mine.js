/* My requests: each request's items, its status in words, when it expires
   or was decided, the brand's reason, what happens next, and what the
   influencer can do: withdraw a pending one, request an ended one again.
   After approval, the collaboration (82-collab.js), once delivered the
   content form (84-content.js), once completed the rating (83-rating.js). */

var confirming = null; // id of the request whose withdrawal is being confirmed

function refreshMine() {
  call("GET", "/v1/requests/mine").then(function (res) {
    if (res.ok && res.data.requests) {
      state.requests = res.data.requests;
      fetchProducts(requestHandles(state.requests)).then(renderMine);
    }
  });
}

function itemVariant(item) {
  var values = (item.option_values || []).filter(function (v) {
    return v && v !== "Default Title";
  });
  if (values.length) return values.join(" / ");
  return item.variant_title && item.variant_title !== "Default Title" ? item.variant_title : "";
}

/* One sentence on where the request stands, dated. */
function statusText(request) {
  var brand = state.brandName;
  var decided = request.decided_at ? day(request.decided_at) : "";
  switch (request.status) {
    case "pending":
      return (
        "Waiting for " + brand + "'s answer. It expires on " + day(request.expires_at) +
        " if they haven't answered."
      );
    case "approved":
      return "Approved" + (decided ? " on " + decided : "") + ". " + brand +
        " will prepare your products and send them to the address you gave.";
    case "denied":
      return "Declined" + (decided ? " on " + decided : "") + ".";
    case "expired":
      return "Expired on " + (decided || day(request.expires_at)) + ": " + brand + " didn't answer in time.";
    case "withdrawn":
      return "Withdrawn" + (decided ? " on " + decided : "") + " by you.";
    case "shipped":
      return "Shipped on " + day(request.shipped_at) + ". It's on its way to you.";
    case "delivered":
      return request.changes_note
        ? brand + " asked for changes to your content. Send it again when it's ready."
        : "Delivered on " + day(request.delivered_at) + ". Enjoy, and send your content when it's live.";
    case "content_submitted":
      return "You sent your content. " + brand + " will review it.";
    case "completed":
      return "Completed: " + brand + " accepted your content. Thank you!";
    case "cancelled":
      return "Cancelled by " + brand + " before it shipped.";
    default:
      return "";
  }
}

function renderMine() {
  var list = $("mine-list");
  // A refresh must not drop a keyboard user's place in the list.
  var focused = list.contains(D.activeElement) ? D.activeElement.id : "";
  list.replaceChildren.apply(list, state.requests.map(renderRequest));
  if (focused && $(focused)) $(focused).focus();
  $("mine-empty").textContent = "No requests yet. " + pointerWord() + " a dot on a product to start one.";
  $("mine-empty").hidden = state.requests.length > 0;
}

function renderRequest(request) {
  var status = request.status || "";
  var headingId = "request-" + request.id;
  var reason = null;
  if (status === "denied") {
    reason = request.reason
      ? h("p", { class: "request-reason" }, [h("strong", { text: state.brandName + " said: " }), request.reason])
      : h("p", { class: "request-reason", text: state.brandName + " gave no reason." });
  }
  return h("li", { class: "request", "aria-labelledby": headingId }, [
    h("h3", { class: "request-head", id: headingId, tabindex: "-1" }, [
      h("span", { class: "badge status-" + status, text: STATUS_WORDS[status] || status }),
      h("span", { class: "request-sent", text: "Sent " + day(request.submitted_at) }),
    ]),
    h(
      "ul",
      { class: "request-items" },
      (request.items || []).map(function (item) {
        var variant = itemVariant(item);
        return h("li", {}, [
          h("span", { class: "item-title", text: item.product_title }),
          h("span", { class: "item-detail", text: (variant ? variant + " · " : "") + "Quantity " + item.quantity }),
        ]);
      })
    ),
    h("p", { class: "request-status", text: statusText(request) }),
    reason,
    collaboration(request),
    h("p", { class: "request-value", text: "Retail value " + money(request.total_minor || 0) }),
    requestActions(request),
    request.status === "delivered" ? contentForm(request) : null,
    messagesBox(request),
    request.status === "completed" ? ratingBlock(request) : null,
    timeline(request),
  ]);
}

function requestActions(request) {
  if (request.status === "pending") {
    if (confirming === request.id) return withdrawConfirm(request);
    return h("div", { class: "request-actions" }, [
      h("button", {
        type: "button",
        class: "secondary small",
        id: "withdraw-" + request.id,
        text: "Withdraw",
        "aria-describedby": "request-" + request.id,
        onclick: function () {
          confirming = request.id;
          renderMine();
          $("withdraw-yes-" + request.id).focus();
        },
      }),
    ]);
  }
  // Requesting again fills the overlay's bag: the standalone page has none.
  if (!PAGE && (request.status === "expired" || request.status === "withdrawn")) {
    return h("div", { class: "request-actions" }, [
      h("button", {
        type: "button",
        class: "secondary small",
        id: "again-" + request.id,
        text: "Request again",
        "aria-describedby": "request-" + request.id,
        onclick: function () {
          requestAgain(request);
        },
      }),
    ]);
  }
  return null;
}

function withdrawConfirm(request) {
  var questionId = "withdraw-question-" + request.id;
  return h("div", { class: "confirm", role: "group", "aria-labelledby": questionId }, [
    h("p", { id: questionId, text: "Withdraw this request? " + state.brandName + " will see that you withdrew it." }),
    h("p", { class: "field-error", id: "withdraw-error-" + request.id, role: "alert", hidden: true }),
    h("div", { class: "request-actions" }, [
      h("button", {
        type: "button",
        class: "primary small",
        id: "withdraw-yes-" + request.id,
        text: "Withdraw request",
        onclick: function () {
          withdraw(request, this);
        },
      }),
      h("button", {
        type: "button",
        class: "secondary small",
        text: "Keep it",
        onclick: function () {
          confirming = null;
          renderMine();
          $("withdraw-" + request.id).focus();
        },
      }),
    ]),
  ]);
}

function withdraw(request, button) {
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  button.textContent = "Withdrawing…";
  call("POST", "/v1/requests/" + encodeURIComponent(request.id) + "/withdraw", { brand: BRAND }).then(function (res) {
    if (res.ok && res.data && res.data.id === request.id) {
      confirming = null;
      replaceRequest(res.data);
      post({ type: "dots:request", request: res.data });
      mineStatus("Request withdrawn.");
      $("request-" + request.id).focus();
      return;
    }
    if (res.status === 409 || res.status === 404) {
      // Decided or expired meanwhile: say so in our words, and show where it stands now.
      var now = STATUS_WORDS[String(res.data.error || "").replace(/^already_/, "")];
      confirming = null;
      mineStatus(
        now
          ? "This request was already " + now.toLowerCase() + "; it can't be withdrawn now."
          : "This request can't be withdrawn any more."
      );
      refreshMine();
      return;
    }
    button.removeAttribute("aria-disabled");
    button.textContent = "Withdraw request";
    var error = $("withdraw-error-" + request.id);
    error.textContent = failureText(res, "Could not withdraw the request. Try again.");
    error.hidden = false;
  });
}

function replaceRequest(updated) {
  state.requests = state.requests.map(function (r) {
    return r.id === updated.id ? updated : r;
  });
  renderMine();
}

function mineStatus(text) {
  $("mine-status").textContent = text;
}

/* Refill the bag with an ended request's own choices, where still possible. */
function requestAgain(request) {
  var pending = {};
  state.requests.forEach(function (r) {
    if (r.status === "pending") {
      (r.items || []).forEach(function (item) {
        pending[item.product_handle] = true;
      });
    }
  });
  var added = [];
  var refused = [];
  var next = bagLines();
  (request.items || []).forEach(function (item) {
    var product = state.products[item.product_handle];
    var variant = product && findVariant(product, item);
    if (!product || !variant) return refused.push(item.product_title + " can't be requested any more.");
    if (pending[item.product_handle]) return refused.push(item.product_title + " is already in a pending request.");
    var line = { handle: product.handle, variant_id: variant.id, quantity: item.quantity };
    next = next.filter(function (l) {
      return l.handle !== line.handle;
    });
    next.push(line);
    added.push(product.title + (itemVariant(item) ? " (" + itemVariant(item) + ")" : "") + " × " + item.quantity);
  });
  setBagLines(next);
  sendBag();
  show("bag");
  var notes = added.length
    ? ["Added from your request of " + day(request.submitted_at) + ": " + added.join(", ") + "."]
    : [];
  bagNote(notes.concat(refused));
}

/* The item's own variant: by id, or by its title for requests stored
   before items carried the id. */
function findVariant(product, item) {
  return (
    product.variants.filter(function (v) {
      return item.variant_id != null ? v.id === item.variant_id : v.title === item.variant_title;
    })[0] || null
  );
}
