/* The names this file shares with the overlay (45-deferred.js put them in
   CFG.x before loading it); both files are one IIFE each, so the page's
   globals stay untouched but for window.__dots. */

var W = window;
var D = document;
var CFG = W.__dots;
var X = CFG.x;
var BASE = CFG.base;
var BRAND = CFG.brand;
var state = X.state;
var h = X.h;
var guard = X.guard;
var ui = X.ui;
var host = X.host;
var launcher = X.launcher;
var toast = X.toast;
var needFull = X.needFull;
var cleanLines = X.cleanLines;
var saveBag = X.saveBag;
var urlKey = X.urlKey;

X.applyStyles(
  host.shadowRoot,
  // An open dialog goes over everything, even a store header at the
  // maximum z-index (browsers without showModal; 20-panel.js).
  ":host(.open){z-index:2147483647!important}" +
    ".modal{position:fixed;inset:0;width:auto;height:auto;max-width:none;max-height:none;margin:0;padding:0;border:0;" +
    "background:none;overflow:visible;pointer-events:auto}" +
    ".modal::backdrop{background:none}" +
    ".scrim{position:absolute;inset:0;background:rgba(17,24,39,.45)}" +
    ".dialog{position:absolute;top:0;right:0;bottom:0;width:min(440px,100%);background:#fff;display:flex;" +
    "box-shadow:-8px 0 32px rgba(0,0,0,.25)}" +
    ".dialog iframe{all:unset;display:block;position:relative;flex:1;width:100%;height:100%;border:0}" +
    ".loading{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;margin:0;color:#4b5563}" +
    ".dialog.ready .loading{display:none}" +
    "@media (prefers-reduced-motion:no-preference){.dialog{animation:dots-in .2s ease-out}" +
    "@keyframes dots-in{from{transform:translateX(32px);opacity:.5}}}" +
    ".bar{position:absolute;left:16px;right:16px;bottom:calc(16px + env(safe-area-inset-bottom,0px));display:flex;" +
    "flex-wrap:wrap-reverse;gap:8px}.bar .launcher{position:static;max-width:100%}" +
    ".check,.check:hover{background:#fff;color:#111827}"
);
