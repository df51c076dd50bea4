/* Errors next to their fields, and the summary banner above the form.
   A field's error is re-checked as the influencer fixes it, so it clears (or
   changes) at once; the banner goes when no field is wrong any more. */

var banner = { kind: null }; // "fields": about field errors; "notice": a failed call

function fieldFor(path) {
  return D.querySelector('[data-path="' + path + '"]');
}

function slotFor(path) {
  return D.querySelector('[data-error-for="' + path + '"]');
}

function shownError(path) {
  var slot = slotFor(path);
  return slot && !slot.hidden ? slot.textContent : "";
}

function setError(path, messages) {
  var slot = slotFor(path);
  if (!slot) return false;
  slot.textContent = messages.join(" ");
  slot.hidden = !messages.length;
  if (!slot.id) slot.id = "err-" + path.replace(/[^a-z0-9]+/gi, "-");
  var field = fieldFor(path);
  if (field) {
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== slot.id;
    });
    if (messages.length) {
      field.setAttribute("aria-invalid", "true");
      described.push(slot.id);
    } else {
      field.removeAttribute("aria-invalid");
    }
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  }
  return true;
}

/* Every field error now shown in `root` (the form, or the account box). */
function shownErrors(root) {
  return [].filter.call((root || $("view-bag")).querySelectorAll("[data-error-for]"), function (slot) {
    return !slot.hidden;
  });
}

function clearErrors(root) {
  shownErrors(root).forEach(function (slot) {
    setError(slot.getAttribute("data-error-for"), []);
  });
}

function showBanner(messages, kind) {
  var box = $("form-error");
  box.replaceChildren();
  box.hidden = !messages.length;
  banner.kind = messages.length ? kind || "notice" : null;
  if (messages.length === 1) box.appendChild(h("p", { text: messages[0] }));
  else if (messages.length) {
    box.appendChild(
      h(
        "ul",
        {},
        messages.map(function (m) {
          return h("li", { text: m });
        })
      )
    );
  }
}

function fieldsSummary(count) {
  return "Please check the " + (count === 1 ? "highlighted field." : count + " highlighted fields.");
}

/* After a field changed: the banner about field errors follows what is left. */
function refreshBanner() {
  if (banner.kind !== "fields") return;
  var left = shownErrors().length;
  if (!left) showBanner([]);
  else if (banner.counted) showBanner([fieldsSummary(left)], "fields");
}

/* Re-check one field locally, if it shows an error: it clears or updates. */
function recheck(path) {
  if (!shownError(path)) return;
  var errors = path.indexOf("account.") === 0 ? accountErrors() : localErrors();
  setError(path, errors[path] || []);
  refreshBanner();
}

/* The API's paths, e.g. items.0.variant_id, shipping_address.postal_code,
   proposal.links.1: each message goes to its field, or to the nearest
   enclosing slot (items.0.x -> items.0 -> items), or to the banner. */
function showErrors(errors, message) {
  var flat = flatten(errors || {}, "", {});
  var unplaced = [];
  var first = null;
  Object.keys(flat).forEach(function (path) {
    var messages = [].concat(flat[path]).map(String);
    var target = path;
    while (target && !slotFor(target)) target = target.replace(/\.?[^.]*$/, "");
    if (target) {
      var slot = slotFor(target);
      setError(target, slot.hidden ? messages : [slot.textContent].concat(messages));
      var field = fieldFor(target) || slot;
      if (!first || field.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) first = field;
    } else {
      unplaced = unplaced.concat(messages);
    }
  });
  var summary = unplaced.slice();
  banner.counted = !summary.length && !message;
  if (!summary.length) summary.push(message || fieldsSummary(shownErrors().length));
  showBanner(summary, "fields");
  // A group (the content types, the platforms) takes focus on its first box.
  if (first && first.tagName === "FIELDSET") first = first.querySelector("input, select, textarea");
  if (first && first.tabIndex >= 0 && !first.disabled) first.focus();
  else $("form-error").focus();
}

function flatten(value, prefix, out) {
  if (
    Array.isArray(value) &&
    value.every(function (v) {
      return typeof v === "string";
    })
  ) {
    out[prefix || "_schema"] = value;
  } else if (value && typeof value === "object") {
    Object.keys(value).forEach(function (key) {
      flatten(value[key], prefix ? prefix + "." + key : key, out);
    });
  } else if (value != null) {
    out[prefix || "_schema"] = [String(value)];
  }
  return out;
}
