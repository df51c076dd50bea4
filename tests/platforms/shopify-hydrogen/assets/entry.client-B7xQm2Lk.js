/* What the Hydrogen skeleton's client does once React Router has hydrated,
   modelled for this fixture (the real store ships React 18/19 + React Router 7,
   entry.client.tsx hydrating <HydratedRouter/>):
   - <Link> (react-router): a click on a same-origin link is a client-side
     navigation: the route's loader data is fetched (single fetch,
     /products/<handle>.data), the route renders into the kept layout's
     <main>, <Meta/> replaces the title and the canonical descriptor,
     the URL is pushed and the window scrolled to the top;
   - the product route's useSelectedOptionInUrlParam(): the selected
     variant's options go into the URL (history.replaceState,
     ?Color=Olive&Size=S) without a navigation;
   - <Pagination> (PaginatedResourceSection, @shopify/hydrogen): "Load more"
     is a <Link replace preventScrollReset to="?direction=next&cursor=...">:
     the next page's nodes are fetched and appended to the ones shown, the
     URL replaced, the scroll position kept; with no next page the link goes.
   The fixture fetches the product page's HTML (the server has no .data
   route for it) and the collection's next page from a JSON file. */
(function () {
  "use strict";
  var CTX = window.__reactRouterContext || {};
  var WIDTHS = [];
  for (var w = 200; w <= 3000; w += 200) WIDTHS.push(w);

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function routeData(doc) {
    var text = "";
    (doc || document).querySelectorAll("script:not([type])").forEach(function (s) {
      var m = /streamController\.enqueue\(("(?:[^"\\]|\\.)*")\)/.exec(s.textContent);
      if (m) text = JSON.parse(m[1]);
    });
    try {
      return JSON.parse(text) || {};
    } catch (err) {
      return {};
    }
  }

  /* @shopify/hydrogen <Image> (FluidImage), as the client renders it. */
  function image(url, alt, sizes) {
    var src = location.origin + url;
    var sized = function (w) {
      return src + "&width=" + w + "&height=" + w + "&crop=center";
    };
    return (
      '<img alt="' + esc(alt) + '" decoding="async" height="100" loading="lazy" sizes="' + esc(sizes) +
      '" src="' + esc(sized(100)) + '" srcset="' +
      esc(WIDTHS.map(function (w) { return sized(w) + " " + w + "w"; }).join(", ")) +
      '" width="100" style="width: 100%; aspect-ratio: 1 / 1;">'
    );
  }

  function productItem(node) {
    var price = "$" + Number(node.priceRange.minVariantPrice.amount).toFixed(2);
    return (
      '<a class="product-item" data-discover="true" href="/products/' + esc(node.handle) + '">' +
      (node.featuredImage ? image(node.featuredImage.url, node.featuredImage.altText || node.title, "(min-width: 45em) 400px, 100vw") : "") +
      "<h4>" + esc(node.title) + "</h4><small><div>" + price + "</div></small></a>"
    );
  }

  function layoutMain() {
    return document.querySelector("body > main");
  }

  /* useSelectedOptionInUrlParam */
  function selectedOptionsInUrl() {
    var data = routeData()["routes/products.$handle"];
    var variant = data && data.product && data.product.selectedOrFirstAvailableVariant;
    if (!variant) return;
    var params = new URLSearchParams(location.search);
    variant.selectedOptions.forEach(function (o) {
      params.set(o.name, o.value);
    });
    history.replaceState(history.state, "", location.pathname + "?" + params.toString());
  }

  function loadMore(link) {
    var url = new URL(link.href);
    link.querySelector("span").textContent = "Loading...";
    fetch(url.pathname + ".data" + url.search)
      .then(function (res) { return res.json(); })
      .then(function (data) {
        var products = data["routes/collections.$handle"].data.collection.products;
        var grid = layoutMain().querySelector(".products-grid");
        grid.insertAdjacentHTML("beforeend", products.nodes.map(productItem).join(""));
        var live = grid.parentNode.querySelector("[aria-live]");
        if (live) live.textContent = "Showing " + grid.children.length + " items";
        if (products.pageInfo.hasNextPage) {
          link.setAttribute("href", url.pathname + "?direction=next&cursor=" + encodeURIComponent(products.pageInfo.endCursor));
          link.querySelector("span").innerHTML = 'Load more <span aria-hidden="true">↓</span>';
        } else link.remove();
        history.replaceState(history.state, "", url.pathname + url.search);
      });
  }

  function navigate(href) {
    fetch(href, { headers: { Accept: "text/x-script" } })
      .then(function (res) {
        if (!res.ok) throw new Error(res.status);
        return res.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var main = doc.querySelector("body > main");
        if (!main) throw new Error("no main");
        history.pushState({ usr: null, key: Math.random().toString(36).slice(2, 10), idx: (history.state && history.state.idx + 1) || 1 }, "", href);
        document.title = doc.title;
        // <Meta/>: the skeleton's {rel: "canonical"} descriptor renders as <meta rel="canonical">.
        document.head.querySelectorAll('[rel="canonical"]').forEach(function (el) { el.remove(); });
        doc.head.querySelectorAll('[rel="canonical"]').forEach(function (el) {
          document.head.insertBefore(document.importNode(el, true), document.head.querySelector("title").nextSibling);
        });
        // The new route's loader data, as the router holds it.
        var enqueue = [].filter.call(doc.querySelectorAll("script:not([type])"), function (s) {
          return s.textContent.indexOf("streamController.enqueue(") >= 0;
        })[0];
        var mine = [].filter.call(document.querySelectorAll("script:not([type])"), function (s) {
          return s.textContent.indexOf("streamController.enqueue(") >= 0;
        })[0];
        if (enqueue && mine) mine.textContent = enqueue.textContent;
        document.querySelectorAll(".header a[data-discover], .header-menu-mobile a").forEach(function (a) {
          var active = a.getAttribute("href") === location.pathname;
          a.style.fontWeight = active ? "bold" : "";
          if (active) a.setAttribute("aria-current", "page");
          else a.removeAttribute("aria-current");
        });
        layoutMain().replaceWith(document.importNode(main, true));
        scrollTo(0, 0);
        if (/^\/products\//.test(location.pathname)) selectedOptionsInUrl();
      })
      .catch(function () {
        location.href = href;
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
    var url = new URL(link.href);
    if (url.origin !== location.origin) return;
    if (url.pathname === "/cart") {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    if (url.pathname === location.pathname && url.searchParams.get("direction")) return loadMore(link);
    if (url.pathname === location.pathname && url.search === location.search) return;
    navigate(url.pathname + url.search);
  });
  addEventListener("popstate", function () {
    location.reload();
  });

  // Hydrated: the route's effects run.
  if (/^\/products\//.test(location.pathname)) selectedOptionsInUrl();
  CTX.hydrated = true;
})();
