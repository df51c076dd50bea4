/* The request panel, on the widget's origin inside the overlay's frame. It
   receives the link token only by postMessage from the exact parent origin,
   talks to the API same-origin, and builds every piece of data into the DOM
   with textContent. These files are concatenated in name order inside one
   IIFE; this one holds the small helpers the others share. */

var W = window;
var D = document;

function $(id) {
  return D.getElementById(id);
}

/* createElement with attributes; strings in `children` become text nodes. */
function h(tag, attrs, children) {
  var el = D.createElement(tag);
  Object.keys(attrs || {}).forEach(function (key) {
    var value = attrs[key];
    if (value == null || value === false) return;
    if (key === "text") el.textContent = value;
    else if (key === "class") el.className = value;
    else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  });
  (children || []).forEach(function (child) {
    if (child != null) el.appendChild(typeof child === "string" ? D.createTextNode(child) : child);
  });
  return el;
}

function formatMoney(minor, currency) {
  try {
    var format = new Intl.NumberFormat("en", { style: "currency", currency: currency });
    var digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(minor / Math.pow(10, digits));
  } catch (err) {
    return (minor / 100).toFixed(2) + " " + currency;
  }
}

function day(iso) {
  try {
    return new Intl.DateTimeFormat("en", { dateStyle: "medium" }).format(new Date(iso));
  } catch (err) {
    return String(iso || "").slice(0, 10);
  }
}

function compact(n) {
  try {
    return new Intl.NumberFormat("en", { notation: "compact" }).format(n);
  } catch (err) {
    return String(n);
  }
}

/* YYYY-MM-DD of the local day `date` falls on (what <input type=date> takes). */
function isoDate(date) {
  var local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

function plural(n, one, many) {
  return n + " " + (n === 1 ? one : many);
}

/* "Tap" on touch screens, "Click" elsewhere, for every text that mentions dots. */
function pointerWord() {
  var coarse = W.matchMedia && W.matchMedia("(pointer: coarse)").matches;
  return coarse ? "Tap" : "Click";
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function uuid() {
  if (W.crypto && crypto.randomUUID) return crypto.randomUUID();
  var b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  var hex = [].map
    .call(b, function (x) {
      return (x + 256).toString(16).slice(1);
    })
    .join("");
  return hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
}

/* sessionStorage of the widget origin, which Safari's private mode may refuse. */
function readStored(key) {
  try {
    return JSON.parse(W.sessionStorage.getItem(key) || "null");
  } catch (err) {
    return null;
  }
}

function writeStored(key, value) {
  try {
    W.sessionStorage.setItem(key, JSON.stringify(value));
  } catch (err) {
    /* the form still works; it only forgets on reload */
  }
}
