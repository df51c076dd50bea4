/* Sending the content of a delivered request: links to the posts and
   screenshots, one multipart call (POST /v1/requests/<id>/content). The
   server checks everything (links, image types by their bytes, sizes,
   counts); its errors come back by field (urls.N, screenshots.N) and are
   shown next to each. A form is kept per request across re-renders, so a
   refresh never drops typed links or chosen files. */

var contentForms = {}; // request id -> its form element
var SCREENSHOT_TYPES = "image/png,image/jpeg,image/webp,image/gif";

function contentForm(request) {
  if (contentForms[request.id]) return contentForms[request.id];
  var base = "content-" + request.id;
  var links = h("div", { class: "links", id: base + "-links" });
  var add = h("button", { type: "button", class: "text-button", text: "Add another link" });
  var form = h("form", { class: "content-form", novalidate: true, "aria-labelledby": base + "-heading" }, [
    h("h4", { id: base + "-heading", text: "Send your content" }),
    h("p", { class: "hint", text: "Links to your posts, screenshots of them, or both." }),
    h("p", { class: "field-error", "data-error-for": base, role: "alert", hidden: true }),
    h("fieldset", { class: "field" }, [
      h("legend", { text: "Links to your posts" }),
      links,
      h("p", { class: "field-error", "data-error-for": base + ".urls", hidden: true }),
      add,
    ]),
    h("div", { class: "field" }, [
      h("label", { for: base + "-files", text: "Screenshots" }),
      h("input", {
        type: "file",
        id: base + "-files",
        name: "screenshots",
        multiple: true,
        accept: SCREENSHOT_TYPES,
        "data-path": base + ".screenshots",
        "aria-describedby": base + "-files-hint",
      }),
      h("p", { class: "hint", id: base + "-files-hint", text: "PNG, JPEG, WebP or GIF: up to 5 files of 5 MB each." }),
      h("p", { class: "field-error", "data-error-for": base + ".screenshots", hidden: true }),
    ]),
    h("div", { class: "request-actions" }, [
      h("button", { type: "submit", class: "primary small", id: base + "-send", text: "Send content" }),
    ]),
  ]);
  function addUrl() {
    var n = links.children.length;
    if (n >= MAX_LINKS) return null;
    var id = base + "-url-" + n;
    var path = base + ".urls." + n;
    links.appendChild(
      h("div", { class: "link-row" }, [
        h("label", { for: id, class: "visually-hidden", text: "Post link " + (n + 1) }),
        h("input", { type: "url", id: id, inputmode: "url", placeholder: "https://", "data-path": path }),
        h("p", { class: "field-error", "data-error-for": path, hidden: true }),
      ])
    );
    add.hidden = n + 1 >= MAX_LINKS;
    return $(id);
  }
  addUrl();
  add.addEventListener("click", function () {
    var input = addUrl();
    if (input) input.focus();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendContent(request, form);
  });
  contentForms[request.id] = form;
  return form;
}

function sendContent(request, form) {
  var base = "content-" + request.id;
  var button = $(base + "-send");
  if (button.getAttribute("aria-disabled") === "true") return;
  var body = new FormData();
  body.append("brand", BRAND);
  [].forEach.call(form.querySelectorAll('input[type="url"]'), function (input) {
    if (input.value.trim()) body.append("urls", input.value.trim());
  });
  [].forEach.call($(base + "-files").files, function (file) {
    body.append("screenshots", file, file.name);
  });
  clearErrors(form);
  button.setAttribute("aria-disabled", "true");
  button.textContent = "Sending…";
  call("POST", "/v1/requests/" + encodeURIComponent(request.id) + "/content", body).then(function (res) {
    button.removeAttribute("aria-disabled");
    button.textContent = "Send content";
    if (res.ok && res.data && res.data.id === request.id) {
      delete contentForms[request.id];
      replaceRequest(res.data);
      mineStatus("Content sent. " + state.brandName + " will review it.");
      $("request-" + request.id).focus();
      return;
    }
    if (res.status === 409 || res.status === 404) {
      delete contentForms[request.id];
      mineStatus("This request no longer takes content.");
      refreshMine();
      return;
    }
    contentErrors(base, res);
  });
}

/* The API's errors next to their fields (urls.1 -> that link, screenshots.0
   -> the file input), anything else above the form; focus the first. */
function contentErrors(base, res) {
  var flat = flatten(res.data.errors || {}, base, {});
  var first = null;
  Object.keys(flat).forEach(function (path) {
    var target = path;
    while (target.length > base.length && !slotFor(target)) target = target.replace(/\.?[^.]*$/, "");
    var slot = slotFor(target);
    var messages = [].concat(flat[path]).map(String);
    setError(target, slot.hidden ? messages : [slot.textContent].concat(messages));
    first = first || fieldFor(target) || slot;
  });
  if (!first) {
    setError(base, [failureText(res, "Could not send your content. Try again.")]);
    first = slotFor(base);
  }
  if (first.tabIndex < 0 && !/^(INPUT|TEXTAREA|SELECT)$/.test(first.tagName)) first.setAttribute("tabindex", "-1");
  first.focus();
}
