/* The bag: the overlay's stored lines [{handle, variant_id, quantity}],
   shown exactly as chosen. A line changes only by the influencer's own
   choice; a chosen variant that has sold out stays chosen and says so. */

var lines = []; // lines of catalog products, in the overlay's order
var SOLD_OUT = "Sold out — pick another.";
var NOT_OFFERED = "This option is no longer offered — pick another.";

function bagLines() {
  return lines.map(function (line) {
    return { handle: line.handle, variant_id: line.variant_id, quantity: line.quantity };
  });
}

/* Show the stored lines (from dots:open, another tab, or "Request again"). */
function setBagLines(stored) {
  var next = [];
  var gone = 0;
  stored.forEach(function (line) {
    if (!line || typeof line.handle !== "string") return;
    if (!state.products[line.handle]) {
      gone++;
      return;
    }
    if (next.some(function (l) { return l.handle === line.handle; })) return;
    var quantity = Math.floor(Number(line.quantity));
    next.push({
      handle: line.handle,
      variant_id: line.variant_id,
      quantity: quantity >= 1 ? Math.min(quantity, MAX_QUANTITY) : 1,
    });
  });
  if (gone) {
    var what = plural(gone, "product", "products");
    bagNote([what + " in your bag can no longer be requested from " + state.brandName + "."]);
  }
  // The same lines again (an echo, or a reopen): keep the DOM and the focus.
  if (same(next, lines) && $("bag-list").children.length === lines.length) return;
  lines = next;
  renderBag();
}

function productOf(line) {
  return state.products[line.handle];
}

function variantOf(line) {
  return (
    (productOf(line).variants || []).filter(function (v) {
      return v.id === line.variant_id;
    })[0] || null
  );
}

function variantProblem(line) {
  var variant = variantOf(line);
  if (!variant) return NOT_OFFERED;
  return variant.available ? "" : SOLD_OUT;
}

function optionCount(product) {
  var names = product.option_names || [];
  var variants = product.variants || [];
  // Shopify's single-variant products carry a placeholder "Title" option.
  if (variants.length <= 1 || (names.length === 1 && names[0] === "Title")) return 0;
  return names.length;
}

function optionValues(product, k) {
  var values = [];
  product.variants.forEach(function (v) {
    var value = (v.option_values || [])[k];
    if (value != null && values.indexOf(value) < 0) values.push(value);
  });
  return values;
}

function chosenValues(line) {
  return ((variantOf(line) || {}).option_values || []).slice();
}

/* Options cascade: a value is offered when some available variant has it
   together with the values chosen in the options before it. So the first
   option is never a dead end, and later ones follow it. */
function valueAvailable(line, k, value) {
  var chosen = chosenValues(line);
  return productOf(line).variants.some(function (v) {
    var values = v.option_values || [];
    if (!v.available || values[k] !== value) return false;
    for (var i = 0; i < k; i++) if (chosen[i] != null && values[i] !== chosen[i]) return false;
    return true;
  });
}

/* The influencer picked `value` for option k: the variant with it that keeps
   the other choices best, an available one first. */
function choose(line, k, value) {
  var wanted = chosenValues(line);
  var best = null;
  var bestScore = -1;
  productOf(line).variants.forEach(function (v) {
    var values = v.option_values || [];
    if (values[k] !== value) return;
    var score = v.available ? 10000 : 0;
    for (var i = 0; i < values.length; i++) {
      if (i !== k && values[i] === wanted[i]) score += i < k ? 100 : 1;
    }
    if (score > bestScore) {
      best = v;
      bestScore = score;
    }
  });
  if (best) line.variant_id = best.id;
}

function maxUnits() {
  return state.policy.max_items || Infinity;
}

function units() {
  return lines.reduce(function (sum, line) {
    return sum + line.quantity;
  }, 0);
}

/* Quantities offered: up to what the brand's item limit leaves, never
   fewer than the line already has (a stored choice is shown, not cut). */
function quantityChoices(line) {
  var room = maxUnits() - (units() - line.quantity);
  return Math.max(1, line.quantity, Math.min(MAX_QUANTITY, room));
}

function total() {
  return lines.reduce(function (sum, line) {
    var variant = variantOf(line);
    return sum + (variant ? variant.price_minor * line.quantity : 0);
  }, 0);
}

function unitsProblem() {
  var max = maxUnits();
  if (units() <= max) return "";
  return (
    state.brandName + " takes up to " + plural(max, "item", "items") + " per request; you have " + units() +
    ". Lower a quantity or remove a product."
  );
}

function valueProblem() {
  var max = state.policy.max_value_minor;
  if (!max || total() <= max) return "";
  return (
    "Over " + state.brandName + "'s limit of " + money(max) + " per request. " +
    "Remove a product or lower a quantity."
  );
}

function renderBag() {
  var list = $("bag-list");
  list.replaceChildren.apply(list, lines.map(renderLine));
  fillLines(-1);
  $("bag-empty").hidden = lines.length > 0;
  $("bag-count").textContent = String(lines.length);
  $("bag-count").hidden = !lines.length; // an empty bag has no count to show
}

function renderLine(line, i) {
  var product = productOf(line);
  var options = (product.option_names || []).slice(0, optionCount(product)).map(function (name, k) {
    var id = "line-" + i + "-opt-" + k;
    var select = h(
      "select",
      {
        id: id,
        "data-path": k === 0 ? "items." + i + ".variant_id" : null,
        onchange: function () {
          choose(line, k, select.value);
          changedLine(i);
        },
      },
      optionValues(product, k).map(function (value) {
        return h("option", { value: value, text: value });
      })
    );
    return h("div", { class: "option" }, [h("label", { for: id, text: name }), select]);
  });
  var qty = h("select", {
    id: "line-" + i + "-qty",
    "data-path": "items." + i + ".quantity",
    onchange: function () {
      line.quantity = Number(qty.value);
      changedLine(i);
    },
  });
  var remove = h("button", {
    type: "button",
    id: "line-" + i + "-remove",
    class: "text-button remove",
    "aria-label": "Remove " + product.title,
    text: "Remove",
    onclick: function () {
      removeLine(i);
    },
  });
  return h("li", { class: "line", "data-handle": line.handle }, [
    h("div", { class: "thumb" }, [
      h("img", {
        alt: "",
        width: "64",
        height: "80",
        hidden: true,
        onload: function () {
          this.hidden = false;
        },
        onerror: function () {
          this.remove();
        },
      }),
    ]),
    h("div", { class: "line-body" }, [
      h("div", { class: "line-head" }, [h("h3", { class: "line-title", text: product.title }), remove]),
      h("p", { class: "line-unit" }),
      options.length ? h("div", { class: "options" }, options) : null,
      h("p", { class: "field-error", "data-error-for": "items." + i + ".variant_id", hidden: true }),
      h("p", { class: "field-error", "data-error-for": "items." + i, hidden: true }),
      h("div", { class: "line-foot" }, [
        h("div", { class: "option qty" }, [h("label", { for: "line-" + i + "-qty", text: "Quantity" }), qty]),
        h("p", { class: "line-total" }),
      ]),
      h("p", { class: "field-error", "data-error-for": "items." + i + ".quantity", hidden: true }),
    ]),
  ]);
}

/* Bring every line's controls up to date, in place (a re-render would lose
   focus). `changed` is the line the influencer just changed, or -1. */
function fillLines(changed) {
  lines.forEach(function (line, i) {
    fillLine(line, i, i === changed);
  });
  updateTotals();
}

function fillLine(line, i, changed) {
  var li = $("bag-list").children[i];
  var product = productOf(line);
  var variant = variantOf(line);
  var chosen = chosenValues(line);
  for (var k = 0; k < optionCount(product); k++) {
    var select = $("line-" + i + "-opt-" + k);
    var placeholder = select.querySelector('option[value=""]');
    if (!variant && !placeholder) select.insertBefore(h("option", { value: "", text: "Choose…" }), select.firstChild);
    if (variant && placeholder) placeholder.remove();
    [].forEach.call(select.options, function (option) {
      if (!option.value) return;
      var ok = valueAvailable(line, k, option.value);
      option.disabled = !ok;
      option.textContent = ok ? option.value : option.value + " (sold out)";
    });
    select.value = chosen[k] || "";
  }
  var img = li.querySelector("img");
  var src = (variant && variant.image_url) || product.image_url;
  if (img && src && img.getAttribute("src") !== src) img.src = src;

  li.querySelector(".line-unit").textContent = variant ? money(variant.price_minor) + " each" : "";
  li.querySelector(".line-total").textContent = variant ? money(variant.price_minor * line.quantity) : "";
  var qty = $("line-" + i + "-qty");
  var max = quantityChoices(line);
  if (qty.options.length !== max) {
    qty.replaceChildren();
    for (var n = 1; n <= max; n++) qty.appendChild(h("option", { value: String(n), text: String(n) }));
  }
  qty.value = String(line.quantity);

  // Sold out or gone: said at once, next to the choice, until another is picked.
  var path = "items." + i + ".variant_id";
  var problem = variantProblem(line);
  var shown = shownError(path);
  if (problem || changed || shown === SOLD_OUT || shown === NOT_OFFERED) setError(path, problem ? [problem] : []);
  if (changed) recheck("items." + i);
}

function changedLine(i) {
  fillLines(i);
  sendBag();
  refreshBanner();
}

function removeLine(i) {
  var title = productOf(lines[i]).title;
  lines.splice(i, 1);
  renderBag();
  sendBag();
  refreshBanner();
  bagNote(["Removed " + title + "."]);
  var next = $("line-" + Math.min(i, lines.length - 1) + "-remove");
  (next || $("bag-heading")).focus();
}

/* The live checks of the whole bag: the total and the item limit. */
function updateTotals() {
  $("total").textContent = money(total());
  setError("total", valueProblem() ? [valueProblem()] : []);
  var problem = unitsProblem();
  if (problem) setError("items", [problem]);
  else if (lines.length) setError("items", []);
}

/* A short word above the bag: what "Request again" added, what was removed. */
function bagNote(messages) {
  var box = $("bag-note");
  box.replaceChildren.apply(
    box,
    messages.map(function (m) {
      return h("p", { text: m });
    })
  );
  box.hidden = !messages.length;
}
