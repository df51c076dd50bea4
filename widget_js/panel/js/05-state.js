/* What the panel knows: the page's fixed attributes, the API's data, and the
   constants of the request form. */

var app = $("app");
var BRAND = app.getAttribute("data-brand");
var PARENT = app.getAttribute("data-parent-origin");
var API = app.getAttribute("data-widget-origin");
/* "page": the standalone "My requests" page (/v1/me/<brand>), reached from
   an email on any device: no store around it, no bag, the token from the
   address's fragment. "frame": the panel inside the overlay. */
var PAGE = app.getAttribute("data-mode") === "page";

var CONTENT_TYPES = [
  ["post", "Post"],
  ["story", "Story"],
  ["reel", "Reel"],
  ["video", "Video"],
  ["blog", "Blog post"],
  ["other", "Other"],
];
/* The API's platform ids, spelled as their owners spell them, in the order
   the "Add a social account" list offers them. */
var PLATFORMS = [
  ["instagram", "Instagram"],
  ["tiktok", "TikTok"],
  ["youtube", "YouTube"],
  ["pinterest", "Pinterest"],
  ["x", "X"],
  ["twitch", "Twitch"],
  ["snapchat", "Snapchat"],
  ["facebook", "Facebook"],
  ["threads", "Threads"],
  ["linkedin", "LinkedIn"],
  ["blog", "Blog"],
  ["podcast", "Podcast"],
];
var STATUS_WORDS = {
  pending: "Requested",
  approved: "Approved",
  denied: "Declined",
  expired: "Expired",
  withdrawn: "Withdrawn",
  shipped: "Shipped",
  delivered: "Delivered",
  content_submitted: "Content sent",
  completed: "Completed",
  cancelled: "Cancelled",
};
var MAX_LINKS = 5;
var MAX_QUANTITY = 10; // the API's per-line limit
var TYPING_DELAY = 300; // ms of quiet before typed proposal text goes to the overlay

var state = {
  token: null,
  loaded: false,
  pendingOpen: null, // a dots:open that arrived before the data
  view: null,
  preview: false, // a brand's preview link: no Send, an Install check view
  brandName: BRAND,
  currency: "USD",
  policy: {},
  products: {}, // handle -> catalog product
  profile: null,
  requests: [],
};

function platformName(id) {
  for (var i = 0; i < PLATFORMS.length; i++) if (PLATFORMS[i][0] === id) return PLATFORMS[i][1];
  return id;
}

function money(minor) {
  return formatMoney(minor, state.currency);
}
