/* Product keys (docs/widget-protocol.md, "Product keys"): what the page says
   about a product, normalised exactly as the server does, so a key is looked
   up once and its answer reused. tests/fixtures/product_keys.json holds the
   shared vectors. */

var MAX_KEY = 300;

/* `u:<path>` of a link or URL: the path only, percent-decoded (runs that do
   not decode stay as they are), lower-cased, `//` collapsed, no trailing `/`
   or `.html`. Null for `/` and for files (an image CDN path is not a
   product), but for a script's page that names its product in its query
   (PHP stores with SEO URLs off): `s:<id>` of OpenCart's and CS-Cart's
   product_id, PrestaShop's id_product, osCommerce's products_id. */
function urlKey(href) {
  var url, path;
  try {
    url = new URL(href, D.baseURI);
    path = url.pathname;
  } catch (err) {
    return null;
  }
  path = path
    .replace(/(%[0-9a-f]{2})+/gi, function (run) {
      try {
        return decodeURIComponent(run);
      } catch (err) {
        return run;
      }
    })
    .toLowerCase()
    .replace(/\/{2,}/g, "/")
    .replace(/\/+$/, "")
    .replace(/\.html?$/, "");
  if (!path || /\.[a-z][a-z0-9]{1,4}$/.test(path.slice(path.lastIndexOf("/")))) {
    var id = /[?&](products?_id|id_product)=(\w+)/.exec(url.search);
    return id && keyOf("s", id[2]);
  }
  return keyOf("u", path);
}

/* `<kind>:<value>` of a value read off the page (kinds h, s, k, g, n). */
function valueKey(kind, raw) {
  if (raw == null || typeof raw === "object") return null;
  var value = String(raw).trim();
  if (kind === "h") value = value.toLowerCase();
  if (kind === "g") value = value.replace(/\D/g, "").replace(/^0+/, "");
  if (kind === "n") value = value.toLowerCase().replace(/\s+/g, " ");
  return keyOf(kind, value);
}

function keyOf(kind, value) {
  return value && value.length <= MAX_KEY ? kind + ":" + value : null;
}
