/* The request panel, on the widget's origin inside the overlay's frame. It
   receives the link token only by postMessage from the exact parent origin,
   talks to the API same-origin, and builds every piece of data into the DOM
   with textContent. */
(function () {
  "use strict";

  var app = document.getElementById("app");
  var BRAND = app.getAttribute("data-brand");
  var PARENT = app.getAttribute("data-parent-origin");
  var API = app.getAttribute("data-widget-origin");
  var CONTENT_TYPES = [
    ["post", "Post"],
    ["story", "Story"],
    ["reel", "Reel"],
    ["video", "Video"],
    ["blog", "Blog post"],
    ["other", "Other"],
  ];
  var PLATFORM_NAMES = {
    instagram: "Instagram", tiktok: "TikTok", youtube: "YouTube", x: "X", facebook: "Facebook",
    pinterest: "Pinterest", twitch: "Twitch", snapchat: "Snapchat", threads: "Threads",
    linkedin: "LinkedIn", blog: "Blog", podcast: "Podcast",
  };
  var STATUS_LABELS = {
    pending: "Requested", approved: "Approved", denied: "Declined", declined: "Declined",
    expired: "Expired", withdrawn: "Withdrawn", shipped: "Shipped", delivered: "Delivered",
  };
  var MAX_LINKS = 5;
  var MAX_QUANTITY = 10; // the API's per-line limit

  var token = null;
  var loaded = false;
  var pendingOpen = null; // a dots:open that arrived before the data
  var data = { session: null, currency: "USD", policy: {}, products: {}, profile: null, requests: [] };
  var lines = []; // the bag: {handle, product, values: [option values], quantity}
  var view = null;
  var sending = false;
  var attempt = { body: null, key: null, retryable: false }; // for Idempotency-Key reuse

  function $(id) {
    return document.getElementById(id);
  }

  /* createElement with attributes; strings in `children` become text nodes. */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value == null || value === false) return;
      if (key === "text") el.textContent = value;
      else if (key === "class") el.className = value;
      else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child != null) el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }

  /* ---- messages with the overlay (exact origins, both ways) ---- */

  function post(message) {
    if (window.parent !== window) window.parent.postMessage(message, PARENT);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== PARENT || event.source !== window.parent) return;
    var msg = event.data;
    if (!msg || typeof msg.type !== "string") return;
    if (msg.type === "dots:init" && typeof msg.token === "string" && msg.brand === BRAND) {
      if (msg.token !== token) {
        token = msg.token;
        load();
      }
    } else if (msg.type === "dots:open") {
      if (loaded) open(msg);
      else pendingOpen = msg;
    }
  });

  /* ---- API (same origin) ---- */

  function call(method, path, body, extraHeaders) {
    var headers = { Authorization: "Bearer " + token, Accept: "application/json" };
    Object.keys(extraHeaders || {}).forEach(function (k) {
      headers[k] = extraHeaders[k];
    });
    if (body != null) headers["Content-Type"] = "application/json";
    var url = API + path + (method === "GET" ? (path.indexOf("?") < 0 ? "?" : "&") + "brand=" + encodeURIComponent(BRAND) : "");
    return fetch(url, { method: method, headers: headers, body: body, credentials: "omit", cache: "no-store" })
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (json) {
            return { ok: res.ok, status: res.status, data: json || {}, headers: res.headers };
          });
      })
      .catch(function () {
        return { ok: false, status: 0, data: {}, headers: null };
      });
  }

  function load() {
    loaded = false;
    notice("Loading…");
    Promise.all([
      call("POST", "/v1/session", JSON.stringify({ brand: BRAND })),
      call("GET", "/v1/catalog"),
      call("GET", "/v1/panel/profile"),
      call("GET", "/v1/requests/mine"),
    ]).then(function (results) {
      var failed = results.filter(function (r) {
        return !r.ok;
      })[0];
      if (failed) {
        notice(
          failed.status === 401
            ? "This link is no longer valid. Ask the brand for a new one."
            : "Could not load your request. Close the panel and try again."
        );
        return;
      }
      data.session = results[0].data;
      var brand = data.session.brand || {};
      data.policy = brand.policy || {};
      data.currency = brand.currency || results[1].data.currency || "USD";
      data.products = {};
      (results[1].data.products || []).forEach(function (p) {
        data.products[p.handle] = p;
      });
      data.profile = results[2].data;
      data.requests = results[3].data.requests || [];
      setup();
      loaded = true;
      notice("");
      open(pendingOpen || { view: "bag", handles: [] });
      pendingOpen = null;
    });
  }

  /* ---- formatting ---- */

  function money(minor) {
    try {
      var format = new Intl.NumberFormat(undefined, { style: "currency", currency: data.currency });
      var digits = format.resolvedOptions().maximumFractionDigits;
      return format.format(minor / Math.pow(10, digits));
    } catch (err) {
      return (minor / 100).toFixed(2) + " " + data.currency;
    }
  }

  function day(iso) {
    try {
      return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(new Date(iso));
    } catch (err) {
      return String(iso || "").slice(0, 10);
    }
  }

  function compact(n) {
    try {
      return new Intl.NumberFormat(undefined, { notation: "compact" }).format(n);
    } catch (err) {
      return String(n);
    }
  }

  function isoDate(date) {
    var local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function notice(text) {
    $("notice").textContent = text;
    $("notice").hidden = !text;
  }

  /* ---- building the form once the data is in ---- */

  function setup() {
    var brand = data.session.brand || {};
    $("panel-title").textContent = brand.name || BRAND;
    var maxItems = data.policy.max_items;
    $("bag-limit").textContent = maxItems ? "Up to " + maxItems + (maxItems === 1 ? " item" : " items") : "";
    $("max-value").textContent = data.policy.max_value_minor
      ? "Brand limit " + money(data.policy.max_value_minor)
      : "";

    var types = $("content-types");
    types.replaceChildren();
    CONTENT_TYPES.forEach(function (pair) {
      types.appendChild(checkbox("content-type", pair[0], pair[1]));
    });

    var platforms = $("platforms");
    platforms.replaceChildren();
    var handles = (data.profile && data.profile.handles) || (data.session.influencer || {}).handles || [];
    var seen = {};
    handles.forEach(function (handle) {
      if (seen[handle.platform]) return;
      seen[handle.platform] = true;
      var name = PLATFORM_NAMES[handle.platform] || handle.platform;
      var detail = "@" + handle.handle + (handle.followers ? " · " + compact(handle.followers) : "");
      platforms.appendChild(checkbox("platform", handle.platform, name, detail));
    });
    if (!handles.length) {
      platforms.appendChild(h("p", { class: "hint", text: "No social accounts on your profile yet." }));
    }
    if (handles.length === 1) platforms.querySelector("input").checked = true;

    var today = new Date();
    $("publish-on").min = isoDate(today);
    $("publish-on").max = isoDate(new Date(today.getTime() + 365 * 86400000));

    $("links").replaceChildren();
    addLink();

    var profile = data.profile || {};
    var address = profile.last_shipping_address || {};
    $("ship-name").value = address.name || profile.name || "";
    ["line1", "line2", "city", "region", "postal_code", "country", "phone"].forEach(function (key) {
      fieldFor("shipping_address." + key).value = address[key] || "";
    });
    $("contact-note").textContent = profile.email ? "Updates about this request go to " + profile.email + "." : "";

    renderMine();
  }

  function checkbox(name, value, label, detail) {
    var id = name + "-" + value;
    return h("div", { class: "chip" }, [
      h("input", { type: "checkbox", id: id, name: name, value: value }),
      h("label", { for: id }, [h("span", { text: label }), detail ? h("span", { class: "chip-detail", text: detail }) : null]),
    ]);
  }

  function addLink() {
    var box = $("links");
    var n = box.children.length;
    if (n >= MAX_LINKS) return;
    var id = "link-" + n;
    var path = "proposal.links." + n;
    var row = h("div", { class: "link-row" }, [
      h("label", { for: id, class: "visually-hidden", text: "Link " + (n + 1) }),
      h("input", { type: "url", id: id, inputmode: "url", placeholder: "https://", "data-path": path }),
      h("p", { class: "field-error", "data-error-for": path, hidden: true }),
    ]);
    box.appendChild(row);
    $("add-link").hidden = n + 1 >= MAX_LINKS;
    return row.querySelector("input");
  }

  /* ---- views ---- */

  function open(msg) {
    if (Array.isArray(msg.handles)) setBag(msg.handles);
    show(msg.view === "mine" ? "mine" : "bag");
  }

  function show(name, keepFocus) {
    view = name;
    ["bag", "sent", "mine"].forEach(function (v) {
      $("view-" + v).hidden = v !== name;
    });
    $("tab-bag").setAttribute("aria-current", name === "mine" ? "false" : "page");
    $("tab-mine").setAttribute("aria-current", name === "mine" ? "page" : "false");
    if (name === "mine") refreshMine();
    if (!keepFocus) {
      var heading = { bag: "bag-heading", sent: "sent-heading", mine: "mine-heading" }[name];
      $(heading).focus();
    }
  }

  $("tab-bag").addEventListener("click", function () {
    if (loaded) show("bag", true);
  });
  $("tab-mine").addEventListener("click", function () {
    if (loaded) show("mine", true);
  });
  $("close").addEventListener("click", function () {
    post({ type: "dots:close" });
  });
  $("sent-close").addEventListener("click", function () {
    show("bag", true);
    post({ type: "dots:close" });
  });
  $("sent-mine").addEventListener("click", function () {
    show("mine");
  });
  $("add-link").addEventListener("click", function () {
    var input = addLink();
    if (input) input.focus();
  });
  $("message").addEventListener("input", function () {
    $("message-count").textContent = $("message").value.length + " / 2000";
  });
  $("ship-country").addEventListener("input", function () {
    this.value = this.value.toUpperCase();
  });

  /* ---- the bag ---- */

  function maxItems() {
    return data.policy.max_items || MAX_QUANTITY;
  }

  /* The overlay's list of handles is the bag; keep choices already made. */
  function setBag(handles) {
    var before = lines;
    lines = [];
    var dropped = false;
    handles.forEach(function (handle) {
      var product = data.products[handle];
      if (!product || lines.some(function (l) { return l.handle === handle; })) return;
      if (lines.length >= maxItems()) {
        dropped = true;
        return;
      }
      lines.push(
        before.filter(function (l) {
          return l.handle === handle;
        })[0] || newLine(product)
      );
    });
    // Over the limit: keep the first ones and tell the overlay and the user.
    fitQuantities();
    renderBag();
    if (dropped) {
      syncBag();
      showFormError(["You can request up to " + maxItems() + " items from this brand."]);
    }
  }

  function newLine(product) {
    var variants = product.variants || [];
    var first = variants.filter(function (v) { return v.available; })[0] || variants[0] || {};
    return { handle: product.handle, product: product, values: (first.option_values || []).slice(), quantity: 1 };
  }

  function syncBag() {
    post({ type: "dots:bag", handles: lines.map(function (l) { return l.handle; }) });
  }

  function optionCount(product) {
    var names = product.option_names || [];
    var variants = product.variants || [];
    // Shopify's single-variant products carry a placeholder "Title" option.
    if (variants.length <= 1 || (names.length === 1 && names[0] === "Title")) return 0;
    return names.length;
  }

  function variantOf(line) {
    return (line.product.variants || []).filter(function (v) {
      var values = v.option_values || [];
      return line.values.every(function (value, i) {
        return values[i] === value;
      });
    })[0] || null;
  }

  function matches(variant, values, upTo) {
    for (var i = 0; i < upTo; i++) {
      if ((variant.option_values || [])[i] !== values[i]) return false;
    }
    return true;
  }

  /* Options cascade: a value is offered when some available variant has it
     together with the values chosen in the options before it. So the first
     option is never a dead end, and later ones follow it. */
  function valueAvailable(line, k, value) {
    return line.product.variants.some(function (v) {
      return v.available && matches(v, line.values, k) && (v.option_values || [])[k] === value;
    });
  }

  function choose(line, k, value) {
    line.values[k] = value;
    var current = variantOf(line);
    if (current && current.available) return;
    // Keep as many later choices as possible among the available variants.
    var best = null;
    var bestScore = -1;
    line.product.variants.forEach(function (v) {
      if (!v.available || !matches(v, line.values, k + 1)) return;
      var score = 0;
      for (var i = k + 1; i < line.values.length; i++) if (v.option_values[i] === line.values[i]) score++;
      if (score > bestScore) {
        best = v;
        bestScore = score;
      }
    });
    if (best) line.values = best.option_values.slice();
  }

  function unitsElsewhere(line) {
    return lines.reduce(function (sum, l) {
      return l === line ? sum : sum + l.quantity;
    }, 0);
  }

  function maxQuantity(line) {
    return Math.max(1, Math.min(MAX_QUANTITY, maxItems() - unitsElsewhere(line)));
  }

  /* Total units stay within the brand's max_items. */
  function fitQuantities() {
    lines.forEach(function (line) {
      line.quantity = Math.min(line.quantity, maxQuantity(line));
    });
  }

  function renderBag() {
    var list = $("bag-list");
    list.replaceChildren.apply(list, lines.map(renderLine));
    $("bag-empty").hidden = lines.length > 0;
    $("bag-count").textContent = String(lines.length);
    updateTotals();
  }

  function renderLine(line, i) {
    var product = line.product;
    var variant = variantOf(line) || {};
    var image = variant.image_url || product.image_url;
    var count = optionCount(product);
    var options = [];
    (product.option_names || []).slice(0, count).forEach(function (name, k) {
      var id = "opt-" + i + "-" + k;
      var values = [];
      product.variants.forEach(function (v) {
        var value = (v.option_values || [])[k];
        if (value != null && values.indexOf(value) < 0) values.push(value);
      });
      var select = h(
        "select",
        { id: id, "data-path": k === 0 ? "items." + i + ".variant_id" : null, onchange: function () {
          choose(line, k, select.value);
          updateLine(line, i);
        } },
        values.map(function (value) {
          var ok = valueAvailable(line, k, value);
          return h("option", { value: value, disabled: !ok, selected: line.values[k] === value, text: ok ? value : value + " (sold out)" });
        })
      );
      options.push(h("div", { class: "option" }, [h("label", { for: id, text: name }), select]));
    });
    var qtyId = "qty-" + i;
    var qty = h("select", { id: qtyId, "data-path": "items." + i + ".quantity", onchange: function () {
      line.quantity = Number(qty.value);
      updateLine(line, i);
    } });
    var remove = h("button", { type: "button", class: "text-button remove", "aria-label": "Remove " + product.title, text: "Remove", onclick: function () {
      lines.splice(lines.indexOf(line), 1);
      renderBag();
      syncBag();
      $("bag-heading").focus();
    } });
    var li = h("li", { class: "line", "data-handle": line.handle }, [
      h("div", { class: "thumb" }, [
        image ? h("img", { src: image, alt: "", width: "64", height: "80", loading: "lazy", onerror: function () { this.remove(); } }) : null,
      ]),
      h("div", { class: "line-body" }, [
        h("div", { class: "line-head" }, [
          h("h3", { class: "line-title", text: product.title }),
          remove,
        ]),
        h("p", { class: "line-unit" }),
        options.length ? h("div", { class: "options" }, options) : null,
        h("p", { class: "field-error", "data-error-for": "items." + i + ".variant_id", hidden: true }),
        h("p", { class: "field-error", "data-error-for": "items." + i, hidden: true }),
        h("div", { class: "line-foot" }, [
          h("div", { class: "option qty" }, [h("label", { for: qtyId, text: "Quantity" }), qty]),
          h("p", { class: "line-total" }),
        ]),
        h("p", { class: "field-error", "data-error-for": "items." + i + ".quantity", hidden: true }),
      ]),
    ]);
    fillLine(li, line);
    return li;
  }

  /* Refresh a line in place (a full re-render would lose focus). */
  function updateLine(line, i) {
    fitQuantities();
    var li = $("bag-list").children[i];
    var count = optionCount(line.product);
    for (var k = 0; k < count; k++) {
      var select = $("opt-" + i + "-" + k);
      [].forEach.call(select.options, function (option) {
        var ok = valueAvailable(line, k, option.value);
        option.disabled = !ok;
        option.textContent = ok ? option.value : option.value + " (sold out)";
      });
      select.value = line.values[k];
    }
    lines.forEach(function (l, j) {
      fillLine($("bag-list").children[j], l);
    });
    updateTotals();
    return li;
  }

  function fillLine(li, line) {
    var variant = variantOf(line);
    var unit = variant ? variant.price_minor : 0;
    var unitText = variant ? money(unit) + " each" : "Pick an option";
    if (variant && !variant.available) unitText = "Sold out";
    li.querySelector(".line-unit").textContent = unitText;
    li.querySelector(".line-total").textContent = money(unit * line.quantity);
    var qty = li.querySelector(".qty select");
    var max = maxQuantity(line);
    if (qty.options.length !== max) {
      qty.replaceChildren();
      for (var n = 1; n <= max; n++) qty.appendChild(h("option", { value: String(n), text: String(n) }));
    }
    qty.value = String(line.quantity);
  }

  function total() {
    return lines.reduce(function (sum, line) {
      var variant = variantOf(line);
      return sum + (variant ? variant.price_minor * line.quantity : 0);
    }, 0);
  }

  function updateTotals() {
    var value = total();
    $("total").textContent = money(value);
    var max = data.policy.max_value_minor;
    var over = max && value > max;
    setError("total", over ? ["Over the brand's limit of " + money(max) + ". Remove an item or lower a quantity."] : []);
  }

  /* ---- errors next to their fields ---- */

  function fieldFor(path) {
    return document.querySelector('[data-path="' + path + '"]');
  }

  function slotFor(path) {
    return document.querySelector('[data-error-for="' + path + '"]');
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

  function clearErrors() {
    [].forEach.call(document.querySelectorAll("[data-error-for]"), function (slot) {
      if (slot.getAttribute("data-error-for") !== "total") setError(slot.getAttribute("data-error-for"), []);
    });
    showFormError([]);
  }

  function showFormError(messages) {
    var box = $("form-error");
    box.replaceChildren();
    box.hidden = !messages.length;
    if (messages.length === 1) box.appendChild(h("p", { text: messages[0] }));
    else if (messages.length) box.appendChild(h("ul", {}, messages.map(function (m) { return h("li", { text: m }); })));
  }

  /* The API's paths, e.g. items.0.variant_id, shipping_address.postal_code,
     proposal.links.1: each message goes to its field, or to the nearest
     enclosing slot (items.0.x -> items.0 -> items), or to the summary. */
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
        if (!first || (field.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)) first = field;
      } else {
        unplaced = unplaced.concat(messages);
      }
    });
    var count = Object.keys(flat).length;
    var summary = unplaced.slice();
    if (!summary.length) {
      summary.push(message || "Please check the " + (count === 1 ? "highlighted field." : count + " highlighted fields."));
    }
    showFormError(summary);
    if (first && first.focus && first.tabIndex >= 0) first.focus();
    else $("form-error").focus();
  }

  function flatten(value, prefix, out) {
    if (Array.isArray(value) && value.every(function (v) { return typeof v === "string"; })) {
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

  /* ---- submit ---- */

  function checked(name) {
    return [].map.call(document.querySelectorAll('input[name="' + name + '"]:checked'), function (input) {
      return input.value;
    });
  }

  function collect() {
    var address = {};
    ["name", "line1", "line2", "city", "region", "postal_code", "country", "phone"].forEach(function (key) {
      var value = fieldFor("shipping_address." + key).value.trim();
      if (value || ["line2", "region", "phone"].indexOf(key) < 0) address[key] = key === "country" ? value.toUpperCase() : value;
    });
    var links = [].map.call(document.querySelectorAll("#links input"), function (input) {
      return input.value.trim();
    });
    var proposal = {
      content_types: checked("content-type"),
      platforms: checked("platform"),
      message: $("message").value.trim(),
      links: links.filter(Boolean),
    };
    if ($("publish-on").value) proposal.publish_on = $("publish-on").value;
    return {
      body: {
        brand: BRAND,
        items: lines.map(function (line) {
          var variant = variantOf(line);
          return { variant_id: variant ? variant.id : null, quantity: line.quantity };
        }),
        proposal: proposal,
        shipping_address: address,
      },
      // Link inputs keep their positions so errors land on the right one.
      linkPositions: links.reduce(function (acc, value, i) {
        if (value) acc.push(i);
        return acc;
      }, []),
    };
  }

  /* Quick checks before a round trip; the server checks everything again. */
  function checkLocally(body, linkPositions) {
    var errors = {};
    if (!body.items.length) errors.items = ["Add at least one product: tap a dot on the store."];
    body.items.forEach(function (item, i) {
      var variant = variantOf(lines[i]);
      if (!variant || !variant.available) errors["items." + i + ".variant_id"] = ["Pick an available option."];
    });
    if (data.policy.max_value_minor && total() > data.policy.max_value_minor) errors.total = [slotFor("total").textContent];
    if (!body.proposal.content_types.length) errors["proposal.content_types"] = ["Pick at least one kind of content."];
    if (!body.proposal.platforms.length) errors["proposal.platforms"] = ["Pick at least one platform."];
    if (!body.proposal.publish_on) errors["proposal.publish_on"] = ["Pick a date."];
    if (!body.proposal.message) errors["proposal.message"] = ["Tell the brand what you have in mind."];
    body.proposal.links.forEach(function (link, i) {
      var ok = false;
      try {
        ok = /^https?:$/.test(new URL(link).protocol);
      } catch (err) {
        ok = false;
      }
      if (!ok) errors["proposal.links." + linkPositions[i]] = ["Enter a full web address starting with https://"];
    });
    var required = { name: "your name", line1: "the street address", city: "the city", postal_code: "the postal code" };
    Object.keys(required).forEach(function (key) {
      if (!body.shipping_address[key]) errors["shipping_address." + key] = ["Enter " + required[key] + "."];
    });
    if (!/^[A-Z]{2}$/.test(body.shipping_address.country || "")) {
      errors["shipping_address.country"] = ["Use a two-letter country code, like US."];
    }
    return errors;
  }

  /* Server paths for links count only the links sent; map them back to the
     inputs they came from. */
  function remapLinks(errors, linkPositions) {
    var out = {};
    Object.keys(errors || {}).forEach(function (path) {
      var m = /^proposal\.links\.(\d+)(.*)$/.exec(path);
      out[m && linkPositions[m[1]] != null ? "proposal.links." + linkPositions[m[1]] + m[2] : path] = errors[path];
    });
    return out;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var hex = [].map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
  }

  $("view-bag").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!loaded || sending) return;
    clearErrors();
    updateTotals();
    var collected = collect();
    var body = collected.body;
    var local = checkLocally(body, collected.linkPositions);
    if (Object.keys(local).length) {
      showErrors(local);
      return;
    }
    var text = JSON.stringify(body);
    // A retry of the very same request after a network or server failure
    // reuses its key, so the server can answer with the first result.
    if (!(attempt.retryable && attempt.body === text)) attempt.key = uuid();
    attempt.body = text;
    attempt.retryable = false;
    setSending(true);
    call("POST", "/v1/requests", text, { "Idempotency-Key": attempt.key }).then(function (res) {
      setSending(false);
      if (res.ok) return sent(res.data);
      var d = res.data || {};
      if (res.status === 422 || res.status === 409) {
        // A 409 says why (already requested); a 422's fields say it better.
        var generic = res.status === 422 && d.errors && Object.keys(d.errors).length;
        showErrors(remapLinks(d.errors, collected.linkPositions), generic ? null : d.message);
      } else if (res.status === 429) {
        var wait = res.headers && res.headers.get("Retry-After");
        showFormError(["Too many requests right now. Try again" + (wait ? " in " + wait + " seconds." : " in a minute.")]);
        $("form-error").focus();
      } else if (res.status === 401 || res.status === 403) {
        showFormError([d.message || "This link is no longer valid. Ask the brand for a new one."]);
        $("form-error").focus();
      } else {
        attempt.retryable = true;
        showFormError(["Could not send your request. Check your connection and try again; it will not be sent twice."]);
        $("form-error").focus();
      }
    });
  });

  function setSending(on) {
    sending = on;
    var button = $("send");
    button.setAttribute("aria-disabled", on ? "true" : "false");
    button.textContent = on ? "Sending…" : "Send request";
  }

  function sent(request) {
    var brand = (data.session.brand || {}).name || BRAND;
    var n = (request.items || []).length;
    $("sent-text").textContent =
      brand + " has your request for " + n + (n === 1 ? " product" : " products") +
      (request.expires_at ? " and will answer by " + day(request.expires_at) + "." : ".");
    data.requests.unshift(request);
    renderMine();
    post({ type: "dots:sent", request: request });
    lines = [];
    renderBag();
    // A new request starts with a fresh proposal; the address stays.
    [].forEach.call(document.querySelectorAll("#content-types input"), function (input) {
      input.checked = false;
    });
    $("message").value = "";
    $("message-count").textContent = "0 / 2000";
    $("links").replaceChildren();
    addLink();
    attempt = { body: null, key: null, retryable: false };
    show("sent");
  }

  /* ---- My requests ---- */

  function refreshMine() {
    call("GET", "/v1/requests/mine").then(function (res) {
      if (res.ok && res.data.requests) {
        data.requests = res.data.requests;
        renderMine();
      }
    });
  }

  function renderMine() {
    var list = $("mine-list");
    list.replaceChildren.apply(
      list,
      data.requests.map(function (request) {
        var status = request.status || "";
        return h("li", { class: "request" }, [
          h("div", { class: "request-head" }, [
            h("span", { class: "badge status-" + status, text: STATUS_LABELS[status] || status }),
            h("span", { class: "hint", text: "Sent " + day(request.submitted_at) }),
          ]),
          h(
            "ul",
            { class: "request-items" },
            (request.items || []).map(function (item) {
              var variant = item.variant_title && item.variant_title !== "Default Title" ? " · " + item.variant_title : "";
              return h("li", {}, [
                h("span", { text: item.product_title + variant }),
                h("span", { class: "hint", text: " × " + item.quantity }),
              ]);
            })
          ),
          h("p", { class: "request-foot" }, [
            h("span", { text: "Retail value " + money(request.total_minor || 0) }),
            status === "pending" && request.expires_at
              ? h("span", { class: "hint", text: "Answer due by " + day(request.expires_at) })
              : null,
          ]),
        ]);
      })
    );
    $("mine-empty").hidden = data.requests.length > 0;
  }

  /* ---- dialog keyboard: Escape closes, Tab stays inside ---- */

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      post({ type: "dots:close" });
      return;
    }
    if (event.key !== "Tab") return;
    var focusable = [].filter.call(
      document.querySelectorAll("button, input, select, textarea, a[href], [tabindex]:not([tabindex='-1'])"),
      function (el) {
        return !el.disabled && el.getClientRects().length > 0;
      }
    );
    if (!focusable.length) return;
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    var active = document.activeElement;
    // Only the ends wrap; from a focused heading the browser's order is right.
    var nowhere = !active || active === document.body;
    if (event.shiftKey && (active === first || nowhere)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || nowhere)) {
      event.preventDefault();
      first.focus();
    }
  });

  post({ type: "dots:ready" });
})();
