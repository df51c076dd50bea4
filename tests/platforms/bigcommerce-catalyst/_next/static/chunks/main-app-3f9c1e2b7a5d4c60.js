/* What Catalyst's client components do after hydration, modelled for this
   fixture (the real store ships React + the Next.js App Router; see README of
   the fixture in expect.json's platform line):
   - the product card's Compare checkbox (vibes/soul/primitives/product-card/
     compare.tsx, nuqs useQueryState "compare"): the checkbox turns checked,
     ?compare=<ids> goes into the URL, and the CompareDrawer
     (primitives/compare-drawer) is portalled to the end of <body>;
   - next/link: a click on a same-origin link is a client-side navigation
     (the page segment is fetched and rendered into the kept layout, the URL
     is pushed, the head's metadata replaced, the window scrolled to the top). */
(function () {
  "use strict";
  var STENCIL_SIZE = /\/stencil\/[^\/]+\//;
  var WIDTHS = [16, 32, 48, 64, 96, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920, 2048, 3840];
  var compared = [];

  function imageFor(card) {
    var img = card.querySelector("img");
    var src = img && img.getAttribute("src");
    return src ? { url: src, alt: img.getAttribute("alt") } : null;
  }

  function sized(url, w) {
    // bcCdnImageLoader: the width goes into the CDN path (/stencil/640w/).
    return esc(url.replace(STENCIL_SIZE, "/stencil/" + w + "w/"));
  }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  function drawerHtml() {
    var items = compared
      .map(function (item) {
        var img = item.image
          ? '<img alt="' + esc(item.image.alt) + '" loading="lazy" decoding="async" data-nimg="fill" class="rounded-lg object-cover @4xl:rounded-r-none" ' +
            'style="position:absolute;height:100%;width:100%;left:0;top:0;right:0;bottom:0;color:transparent" sizes="3rem" srcset="' +
            WIDTHS.map(function (w) {
              return sized(item.image.url, w) + " " + w + "w";
            }).join(", ") +
            '" src="' + sized(item.image.url, 3840) + '"/>'
          : "";
        return (
          '<div class="relative"><a class="group relative flex max-w-56 items-center overflow-hidden whitespace-nowrap rounded-xl border font-semibold transition-all duration-150" href="' +
          esc(item.href) + '"><div class="aspect-h-1 aspect-w-1 relative w-12 shrink-0 bg-contrast-100">' + img +
          '</div><span class="hidden truncate pl-3 pr-5 @4xl:block">' + esc(item.title) + "</span></a>" +
          '<button aria-label="Remove ' + esc(item.title) + '" class="absolute -right-2.5 -top-2.5 flex h-7 w-7 items-center justify-center rounded-full border bg-background" type="button">×</button></div>'
        );
      })
      .join("");
    return (
      '<div class="mx-auto flex w-full max-w-7xl flex-col items-start justify-end gap-x-3 gap-y-4 @md:flex-row"><div class="flex flex-1 flex-wrap justify-end gap-4">' +
      items + '</div><a class="hidden rounded-full bg-primary px-4 py-2 font-semibold @md:block" href="/compare?ids=' +
      compared.map(function (i) { return i.id; }).join(",") + '"><span class="inline-flex items-center gap-1">Compare</span></a></div>'
    );
  }

  function renderDrawer() {
    var drawer = document.getElementById("__compare-portal");
    if (!compared.length) {
      if (drawer) drawer.remove();
      return;
    }
    if (!drawer) {
      drawer = document.createElement("div");
      drawer.id = "__compare-portal";
      drawer.className = "sticky bottom-0 z-10 w-full border-t bg-background px-3 py-4 @container @md:py-5 @xl:px-6 @5xl:px-10";
      document.body.appendChild(drawer);
    }
    drawer.innerHTML = drawerHtml();
  }

  function toggleCompare(box) {
    var article = box.closest("article");
    var link = article && article.querySelector("a[id]");
    if (!link) return;
    var on = box.getAttribute("aria-checked") !== "true";
    box.setAttribute("aria-checked", on ? "true" : "false");
    box.setAttribute("data-state", on ? "checked" : "unchecked");
    box.innerHTML = on ? '<svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" aria-hidden="true"><path d="M20 6 9 17l-5-5"></path></svg>' : "";
    var id = link.id;
    compared = compared.filter(function (i) { return i.id !== id; });
    if (on) {
      compared.push({ id: id, href: link.getAttribute("href"), title: link.getAttribute("aria-label"), image: imageFor(article) });
      compared.sort(function (a, b) { return Number(a.id) - Number(b.id); });
    }
    var url = new URL(location.href);
    if (compared.length) url.searchParams.set("compare", compared.map(function (i) { return i.id; }).join(","));
    else url.searchParams.delete("compare");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
    renderDrawer();
  }

  /* React's completeBoundary ($RC) on a fetched document. */
  function resolveSegments(doc) {
    doc.querySelectorAll('div[hidden][id^="S:"]').forEach(function (seg) {
      var tpl = doc.getElementById("B:" + seg.id.slice(2));
      seg.remove();
      if (!tpl) return;
      var start = tpl.previousSibling;
      var parent = tpl.parentNode;
      var node = tpl;
      var depth = 0;
      while (node) {
        if (node.nodeType === 8) {
          if (node.data === "/$") {
            if (depth === 0) break;
            depth--;
          } else if (node.data === "$" || node.data === "$?" || node.data === "$!") depth++;
        }
        var next = node.nextSibling;
        parent.removeChild(node);
        node = next;
      }
      while (seg.firstChild) parent.insertBefore(seg.firstChild, node);
      start.data = "$";
    });
  }

  function navigate(href) {
    fetch(href, { headers: { RSC: "1", "Next-Url": location.pathname } })
      .then(function (res) { return res.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        resolveSegments(doc);
        var main = doc.querySelector("main");
        if (!main) return (location.href = href);
        history.pushState({ __NA: true }, "", href);
        document.title = doc.title;
        document.head.querySelectorAll('link[rel="canonical"],link[rel="alternate"],meta[name="description"],meta[property^="og:"],meta[name^="twitter:"]').forEach(function (el) { el.remove(); });
        doc.head.querySelectorAll('link[rel="canonical"],link[rel="alternate"],meta[name="description"],meta[property^="og:"],meta[name^="twitter:"]').forEach(function (el) {
          document.head.appendChild(document.importNode(el, true));
        });
        compared = [];
        renderDrawer();
        document.querySelector("main").replaceWith(document.importNode(main, true));
        scrollTo(0, 0);
      });
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest('button[role="checkbox"]');
    if (box && box.id.indexOf(":R") === 0) return toggleCompare(box);
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
    var url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname === location.pathname || /^\/(cart|login|compare)/.test(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  addEventListener("popstate", function () { location.reload(); });
})();
