/* Which variant a dot puts in the bag: the one the store page shows. In
   order: `?variant=<store variant id>` of the card's link (a listing) or of
   the page (the product's own page); the store's own option selects and
   checked radios (Shopify themes: select[name^="options["], Dawn's
   <variant-selects> radios, which may sit outside the form and name it with
   form="…"), or its hidden variant id field; else the first available
   variant. Never a sold-out one. */

var OPTION_INPUTS =
  'form[action*="/cart/add"] select,select[name^="options["],variant-selects select,' +
  'form[action*="/cart/add"] input:checked,variant-selects input:checked,variant-radios input:checked,input[form]:checked';

/* The product a URL names, as far as this page view's lookups know. */
function handleFromUrl(href) {
  return state.known[urlKey(href)] || null;
}

function pickVariant(p, el) {
  var onPage =
    handleFromUrl(W.location.href) === p.handle ||
    state.found.some(function (c) {
      return c.el === el && c.kind === "page";
    });
  var ids = [linkVariant(el, p.handle), onPage && new URL(W.location.href).searchParams.get("variant")];
  var chosen = [];
  if (onPage) {
    D.querySelectorAll(OPTION_INPUTS).forEach(function (input) {
      chosen.push(input.value);
    });
    D.querySelectorAll('form[action*="/cart/add"] [name=id]').forEach(function (input) {
      ids.push(input.value);
    });
  }
  var available = p.variants.filter(function (v) {
    return v.available;
  });
  var byId = function (id) {
    return available.filter(function (v) {
      return id && v.store_id === String(id);
    })[0];
  };
  // Each option's value as the page names it (undefined: not named).
  var wanted = (p.option_names || []).map(function (name, i) {
    return chosen.filter(function (value) {
      return p.variants.some(function (v) {
        return v.option_values[i] === value;
      });
    })[0];
  });
  var byOptions = wanted.some(Boolean)
    ? available.filter(function (v) {
        return wanted.every(function (value, i) {
          return value == null || v.option_values[i] === value;
        });
      })[0]
    : null;
  return byId(ids[0]) || byId(ids[1]) || byOptions || byId(ids[2]) || available[0];
}

/* The `?variant=` link of this product nearest to its image (a card links
   its image, or its title beside it). */
function linkVariant(el, handle) {
  for (var node = el, depth = 0; node && node !== D.body && depth < 6; node = node.parentElement, depth++) {
    var links = [node].concat([].slice.call(node.querySelectorAll('a[href*="variant="]')));
    for (var i = 0; i < links.length; i++) {
      var href = links[i].href;
      if (typeof href === "string" && /[?&]variant=/.test(href) && handleFromUrl(href) === handle) {
        return new URL(href).searchParams.get("variant");
      }
    }
  }
  return null;
}
