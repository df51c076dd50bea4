/* Rating the brand once a collaboration is completed: "Rate <brand>" opens a
   small form (five radio buttons with their words, an optional comment),
   one call (POST /v1/requests/<id>/rating). Once given, the card shows the
   rating instead. The server decides (completed, not yet rated); a 409 says
   why in our words and refreshes the list. */

var RATING_WORDS = ["poor", "fair", "good", "very good", "excellent"];
var MAX_COMMENT = 1000;
var ratingOpen = {}; // request id -> true while its form is open
var ratingForms = {}; // request id -> its form element (kept across re-renders)

function ratingBlock(request) {
  var brand = state.brandName;
  if (request.my_rating) {
    var given = request.my_rating;
    return h("div", { class: "rating-given" }, [
      h("p", {}, [
        h("strong", { text: "You rated " + brand + ": " }),
        h("span", { class: "stars", "aria-hidden": "true", text: stars(given.stars) }),
        " " + given.stars + " of 5",
      ]),
      given.comment ? h("q", { text: given.comment }) : null,
    ]);
  }
  if (!request.can_rate) return null;
  if (ratingOpen[request.id]) return ratingForm(request);
  return h("div", { class: "request-actions" }, [
    h("button", {
      type: "button",
      class: "secondary small",
      id: "rate-" + request.id,
      text: "Rate " + brand,
      "aria-describedby": "request-" + request.id,
      onclick: function () {
        ratingOpen[request.id] = true;
        renderMine();
        $("rating-" + request.id + "-star-5").focus();
      },
    }),
  ]);
}

function stars(n) {
  return "★★★★★".slice(0, n) + "☆☆☆☆☆".slice(0, 5 - n);
}

function ratingForm(request) {
  if (ratingForms[request.id]) return ratingForms[request.id];
  var base = "rating-" + request.id;
  var radios = RATING_WORDS.map(function (word, i) {
    var n = i + 1;
    var id = base + "-star-" + n;
    return h("label", { class: "star-choice", for: id }, [
      h("input", { type: "radio", id: id, name: base + "-stars", value: String(n), "data-path": i ? null : base + ".stars" }),
      " " + plural(n, "star", "stars") + ": " + word,
    ]);
  });
  var form = h("form", { class: "rating-form", novalidate: true, "aria-labelledby": base + "-heading" }, [
    h("h4", { id: base + "-heading", text: "Rate " + state.brandName }),
    h("p", { class: "field-error", "data-error-for": base, role: "alert", hidden: true }),
    h("fieldset", { class: "field stars-field" }, [
      h("legend", { text: "How was working with " + state.brandName + "?" }),
      h("div", { class: "star-choices" }, radios),
      h("p", { class: "field-error", "data-error-for": base + ".stars", hidden: true }),
    ]),
    h("div", { class: "field" }, [
      h("label", { for: base + "-comment" }, ["Comment ", h("span", { class: "optional", text: "(optional)" })]),
      h("textarea", { id: base + "-comment", maxlength: String(MAX_COMMENT), rows: "3", "data-path": base + ".comment" }),
      h("p", { class: "field-error", "data-error-for": base + ".comment", hidden: true }),
    ]),
    h("p", { class: "hint", text: "You rate once; " + state.brandName + " is told by email." }),
    h("div", { class: "request-actions" }, [
      h("button", { type: "submit", class: "primary small", id: base + "-send", text: "Send rating" }),
      h("button", {
        type: "button",
        class: "secondary small",
        text: "Cancel",
        onclick: function () {
          delete ratingOpen[request.id];
          delete ratingForms[request.id];
          renderMine();
          $("rate-" + request.id).focus();
        },
      }),
    ]),
  ]);
  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") setError(base + ".stars", []); // chosen now: the error goes
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendRating(request, form);
  });
  ratingForms[request.id] = form;
  return form;
}

function sendRating(request, form) {
  var base = "rating-" + request.id;
  var button = $(base + "-send");
  if (button.getAttribute("aria-disabled") === "true") return;
  var chosen = form.querySelector('input[type="radio"]:checked');
  clearErrors(form);
  if (!chosen) {
    setError(base + ".stars", ["Choose 1 to 5 stars."]);
    $(base + "-star-1").focus();
    return;
  }
  var comment = $(base + "-comment").value.trim();
  button.setAttribute("aria-disabled", "true");
  button.textContent = "Sending…";
  var body = { brand: BRAND, stars: Number(chosen.value), comment: comment || null };
  call("POST", "/v1/requests/" + encodeURIComponent(request.id) + "/rating", body).then(function (res) {
    button.removeAttribute("aria-disabled");
    button.textContent = "Send rating";
    if (res.ok && res.data && res.data.id === request.id) {
      delete ratingOpen[request.id];
      delete ratingForms[request.id];
      replaceRequest(res.data);
      mineStatus("Thank you: you rated " + state.brandName + " " + body.stars + " of 5.");
      $("request-" + request.id).focus();
      return;
    }
    if (res.status === 409 || res.status === 404) {
      delete ratingOpen[request.id];
      delete ratingForms[request.id];
      mineStatus(
        res.data && res.data.error === "already_rated"
          ? "You already rated this collaboration."
          : "This request can't be rated now."
      );
      refreshMine();
      return;
    }
    contentErrors(base, res);
  });
}
