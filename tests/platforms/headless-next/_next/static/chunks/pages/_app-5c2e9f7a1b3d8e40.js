/* pages/_app + pages/index + pages/product/[handle], as the browser sees them (hand-written stand-in for the React bundle) */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("__NEXT_DATA__").textContent);
  var buildId = data.buildId;
  var esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); };
  var WIDTHS = [256, 384, 640, 750, 828, 1080, 1200, 1920, 2048, 3840];
  var nimg = function (src, w) { return "/_next/image?url=" + encodeURIComponent(src) + "&w=" + w + "&q=75"; };
  var srcset = function (src) { return WIDTHS.map(function (w) { return nimg(src, w) + " " + w + "w"; }).join(", "); };
  var fill = "position:absolute;height:100%;width:100%;left:0;top:0;right:0;bottom:0;color:transparent";

  function card(p, fadeIn) {
    var badge = p.available ? "" : '<span class="badge">Sold out</span>';
    return '<div class="group relative transition ' + (fadeIn ? "opacity-0 translate-y-2" : "opacity-100 translate-y-0") + '" data-testid="product-card">' + badge +
      '<a class="relative block aspect-square h-full w-full" href="/product/' + esc(p.handle) + '"><div class="group flex h-full w-full items-center justify-center overflow-hidden rounded-lg border bg-white relative">' +
      '<img alt="' + esc(p.title) + '" loading="lazy" decoding="async" data-nimg="fill" class="relative h-full w-full object-cover transition group-hover:scale-105" style="' + fill + '" sizes="(min-width: 768px) 25vw, 50vw" srcset="' + srcset(p.images[0]) + '" src="' + nimg(p.images[0], 3840) + '">' +
      '<img alt="" aria-hidden="true" loading="lazy" decoding="async" data-nimg="fill" class="absolute inset-0 h-full w-full object-cover opacity-0 transition-opacity group-hover:opacity-100" style="' + fill + '" sizes="(min-width: 768px) 25vw, 50vw" srcset="' + srcset(p.images[1]) + '" src="' + nimg(p.images[1], 3840) + '">' +
      '<div class="label"><h3 class="line-clamp-2">' + esc(p.title) + '</h3><p class="price-pill">$' + esc(p.price) + '<span class="hidden">USD</span></p></div></div></a>' +
      '<button class="wish" aria-label="Add ' + esc(p.title) + ' to wishlist" type="button">♡</button></div>';
  }

  // A card fades in once its image has loaded (setLoaded(true) -> className change).
  function fadeInWhenLoaded(root) {
    root.querySelectorAll('[data-testid="product-card"].opacity-0').forEach(function (el) {
      var img = el.querySelector("img");
      var show = function () { requestAnimationFrame(function () { el.classList.remove("opacity-0", "translate-y-2"); el.classList.add("opacity-100", "translate-y-0"); }); };
      if (img.complete && img.naturalWidth) show(); else img.addEventListener("load", show, { once: true });
    });
  }

  function append(grid, products) {
    var t = document.createElement("template");
    t.innerHTML = products.map(function (p) { return card(p, true); }).join("");
    grid.append(t.content);
    fadeInWhenLoaded(grid);
  }

  function home() {
    var grid = document.querySelector('[data-testid="product-grid"]');
    var sentinel = document.querySelector('[data-testid="load-more-sentinel"]');
    var next = 1, loading = false;
    function load() {
      if (loading || !next) return;
      loading = true;
      fetch("/api/products/page-" + next + ".json").then(function (r) { return r.json(); }).then(function (page) {
        if (next === 1) { grid.textContent = ""; grid.removeAttribute("aria-busy"); }
        append(grid, page.products);
        next = page.nextPage;
        loading = false;
      });
    }
    load();
    new IntersectionObserver(function (entries) { if (entries[0].isIntersecting && next > 1) load(); }).observe(sentinel);
  }

  function view(p) {
    var g = p.images;
    var thumbs = g.map(function (src, n) {
      return '<li class="h-20 w-20"><a aria-label="Enlarge product image" href="/product/' + esc(p.handle) + '?image=' + n + '" class="h-full w-full"><div class="group flex h-full w-full items-center justify-center overflow-hidden rounded-lg border bg-white relative"><img alt="' + esc(p.title) + '" loading="lazy" width="80" height="80" decoding="async" data-nimg="1" class="relative h-full w-full object-cover" style="color:transparent" srcset="' + nimg(src, 96) + ' 1x, ' + nimg(src, 256) + ' 2x" src="' + nimg(src, 256) + '"></div></a></li>';
    }).join("");
    return '<ol class="breadcrumbs" aria-label="Breadcrumb"><li><a href="/">Home</a></li><li><a href="/search/' + esc(p.productType.toLowerCase()) + '">' + esc(p.productType) + '</a></li><li><a href="/product/' + esc(p.handle) + '" aria-current="page">' + esc(p.title) + '</a></li></ol>' +
      '<div class="grid lg:grid-cols-6 gap-8 rounded-lg border bg-white" style="padding:2rem"><div class="col-span-4" style="grid-column:span 4/span 4"><div class="col-span-4" data-testid="product-gallery"><div class="relative aspect-square h-full w-full overflow-hidden" style="max-height:550px">' +
      '<img alt="' + esc(p.title) + '" fetchpriority="high" decoding="async" data-nimg="fill" class="h-full w-full object-contain" style="' + fill + '" sizes="(min-width: 1024px) 66vw, 100vw" srcset="' + srcset(g[0]) + '" src="' + nimg(g[0], 3840) + '">' +
      '<div class="absolute" style="bottom:15%;left:0;right:0;display:flex;justify-content:center"><a aria-label="Previous product image" href="/product/' + esc(p.handle) + '?image=2">←</a> <a aria-label="Next product image" href="/product/' + esc(p.handle) + '?image=1">→</a></div></div><ul class="thumbs">' + thumbs + '</ul></div></div>' +
      '<div class="col-span-2" data-testid="product-description"><h1 class="text-4xl font-medium">' + esc(p.title) + '</h1><div class="price-pill" style="display:inline-block">$' + esc(p.price) + ' USD</div><p><a href="#reviews">★★★★☆ 38 reviews</a></p><p>' + esc(p.description) + '</p><button type="button" aria-label="Add to cart" class="w-full price-pill">Add To Cart</button></div></div>' +
      '<section class="py-6" data-testid="related-products"><h2 class="text-xl font-medium">Related Products</h2><ul class="related">' + p.related.map(function (r) { return "<li>" + card(r, false) + "</li>"; }).join("") + '</ul></section>' +
      '<section id="reviews" class="py-6"><h2 class="text-xl font-medium">Reviews</h2><p>"Bombproof on the ridge." — Sam K.</p></section>';
  }

  // next/link: same-origin product links navigate on the client (pushState + the
  // page's JSON from /_next/data), the document is never reloaded.
  function navigate(path, push) {
    var handle = path.split("/")[2];
    return fetch("/_next/data/" + buildId + "/product/" + handle + ".json").then(function (r) { return r.json(); }).then(function (json) {
      var p = json.pageProps.product;
      if (push) history.pushState({ __N: true, as: path }, "", path);
      document.title = p.title + " | Northpeak";
      document.getElementById("main").innerHTML = view(p);
      scrollTo(0, 0);
    });
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest('a[href^="/product/"]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey) return;
    var url = new URL(a.href);
    if (url.pathname === location.pathname) return;
    e.preventDefault();
    navigate(url.pathname, true);
  });
  addEventListener("popstate", function () { if (location.pathname.indexOf("/product/") === 0) navigate(location.pathname, false); else location.reload(); });

  if (data.page === "/") home();
})();
