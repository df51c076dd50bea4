/* The overlay's styles, applied inside its shadow root only. The :host rules
   are !important because, across a shadow boundary, an important inner rule
   beats the page's own (even `* { all: unset }` or `!important` themes). */

var CSS = [
  // all:initial resets every other property (margin, opacity, transform,
  // filter, clip-path, visibility…) with the same weight: only what differs
  // from the initial values is named.
  ":host{all:initial!important;display:block!important;position:fixed!important;top:0!important;left:0!important;",
  "width:0!important;height:0!important;pointer-events:none!important;z-index:" + Z_INDEX + "!important}",
  "*,*::before,*::after{box-sizing:border-box}",
  "[hidden]{display:none!important}",
  // system-ui is every current browser's own UI font.
  ".layer{font:14px/1.43 system-ui,sans-serif;color:#111827}",
  "button{all:unset;box-sizing:border-box;cursor:pointer;pointer-events:auto;-webkit-tap-highlight-color:transparent;",
  "font:inherit;color:inherit}",
  // A dot: a 44px tap target around a 28px visible pip.
  ".dot{position:fixed;top:0;left:0;min-width:44px;height:44px;padding:0 8px;display:flex;align-items:center;",
  "justify-content:center;will-change:transform}",
  ".pip{width:28px;height:28px;border-radius:50%;background:#e11d48;border:3px solid #fff;",
  "box-shadow:0 2px 8px rgba(0,0,0,.3);display:flex;align-items:center;justify-content:center;",
  "color:#fff;font-size:13px;font-weight:700;line-height:1;transition:transform .12s ease-out}",
  ".dot.off{opacity:0;pointer-events:none}",
  ".dot:hover .pip{transform:scale(1.12)}",
  ".dot.in-bag .pip{background:#111827}",
  ".dot.in-bag .pip::after{content:'\\2713'}",
  // Over the brand's limit per request: a grey pip that explains instead.
  ".dot.limit .pip{background:#6b7280}",
  ".label{display:none}",
  ".dot.has-status{padding:0}",
  ".dot.has-status .pip{display:none}",
  ".dot.has-status .label{display:flex;align-items:center;gap:6px;height:28px;padding:0 12px;border-radius:14px;",
  "background:#fff;color:#111827;font-size:12px;font-weight:600;white-space:nowrap;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
  ".label::before{content:'';width:8px;height:8px;border-radius:50%;background:#d97706}",
  ".dot[data-status=approved] .label::before{background:#16a34a}",
  ".dot[data-status=shipped] .label::before,.dot[data-status=delivered] .label::before{background:#2563eb}",
  ".dot.closed .label::before{background:#9ca3af}",
  // Focus: a white halo and a blue ring, visible on light and dark images.
  ".dot:focus-visible .pip,.dot:focus-visible .label,.launcher:focus-visible,.skip:focus{",
  "box-shadow:0 0 0 2px #fff,0 0 0 5px #1d4ed8}",
  // The product's name by its dot; the ui (launcher, dialog) goes over dots.
  ".tip{position:fixed;top:0;left:0;padding:4px 8px;border-radius:6px;background:#111827;color:#fff;",
  "font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;pointer-events:none}",
  ".ui,.tip,.skip{z-index:1}",
  // Visually hidden until focused, then a pill at the top left.
  ".skip{position:fixed;top:8px;left:8px;padding:10px 16px;border-radius:22px;background:#111827;color:#fff;",
  "font-weight:600}",
  ".skip:not(:focus){clip-path:inset(50%);width:1px;height:1px;padding:0;overflow:hidden}",
  ".ui{position:fixed;top:0;left:0;width:100%;height:100%;pointer-events:none}",
  ".launcher{position:absolute;left:16px;bottom:calc(16px + env(safe-area-inset-bottom,0px));min-height:44px;",
  "max-width:calc(100% - 32px);padding:0 16px 0 14px;border-radius:22px;background:#111827;color:#fff;display:flex;",
  "align-items:center;gap:8px;font-size:14px;font-weight:600;box-shadow:0 4px 16px rgba(0,0,0,.3)}",
  ".launcher:hover{background:#1f2937}",
  ".mark{width:12px;height:12px;border-radius:50%;background:#e11d48;box-shadow:0 0 0 2px #fff}",
  ".count{min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#e11d48;color:#fff;font-size:12px;",
  "display:flex;align-items:center;justify-content:center}",
  ".toast{position:absolute;left:16px;bottom:calc(72px + env(safe-area-inset-bottom,0px));",
  "max-width:min(320px,calc(100% - 32px));padding:12px 16px;border-radius:12px;background:#fff;color:#111827;",
  "box-shadow:0 8px 24px rgba(0,0,0,.2);transition:opacity .3s}",
  ".toast.gone{opacity:0}",
].join("");

/* Add css to the shadow root: constructable stylesheets where supported;
   else a <style> with the page's CSP nonce (the loader copied it from its
   own tag). The deferred file adds the dialog's rules the same way. */
function applyStyles(shadow, css) {
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = shadow.adoptedStyleSheets.concat(sheet);
    return;
  } catch (err) {
    /* older browsers: fall through */
  }
  var style = h("style", { nonce: CFG.nonce || null });
  style.textContent = css;
  shadow.appendChild(style);
}
