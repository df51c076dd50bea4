/* The shipping address. One given before is offered by reference: the API
   tells the panel only its city and country (no answer to a link token
   holds a street, since any script of the store can read the token), and
   the server copies the address into the request. A new address is typed
   only inside this frame and kept in the panel's own sessionStorage (the
   widget's origin, never the host page's), so a reload of the frame keeps
   it, and the choice between the two. Country is picked by name; its ISO
   code is sent. */

var ADDRESS_FIELDS = ["name", "line1", "line2", "city", "region", "postal_code", "country", "phone"];
var OPTIONAL_FIELDS = ["line2", "region", "phone"];
/* ISO 3166-1 alpha-2, every assigned code, plus XK (Kosovo), which couriers use. */
var COUNTRIES = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS " +
  "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE " +
  "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM " +
  "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC " +
  "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA " +
  "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
  "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO " +
  "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW"
).split(" ");

function addressKey() {
  // One address per link in this tab: another influencer's link starts empty.
  return "dots:address:" + BRAND + ":" + String(state.token).split(".")[0];
}

function addressField(key) {
  return fieldFor("shipping_address." + key);
}

function countryName(code, names) {
  try {
    var name = names && names.of(code);
    return name && name !== code ? name : code;
  } catch (err) {
    return code;
  }
}

function setupCountries() {
  var names = null;
  try {
    names = new Intl.DisplayNames(["en"], { type: "region" });
  } catch (err) {
    names = null;
  }
  var options = COUNTRIES.map(function (code) {
    return { code: code, name: countryName(code, names) };
  });
  var collator = new Intl.Collator("en");
  options.sort(function (a, b) {
    return collator.compare(a.name, b.name);
  });
  var select = addressField("country");
  select.replaceChildren.apply(
    select,
    [h("option", { value: "", text: "Choose a country" })].concat(
      options.map(function (o) {
        return h("option", { value: o.code, text: o.name });
      })
    )
  );
}

function setupAddress() {
  setupCountries();
  var profile = state.profile || {};
  var address = readStored(addressKey()) || { name: profile.name || "" };
  ADDRESS_FIELDS.forEach(function (key) {
    var value = typeof address[key] === "string" ? address[key] : "";
    if (key === "country") setCountry(value.toUpperCase());
    else addressField(key).value = value;
  });
  // The panel never learns the email: the brand's invitation went to it.
  $("contact-note").textContent =
    "Updates about this request go to the email address " + state.brandName + " invited you with.";
  renderShipChoice();
}

/* The saved address the panel may offer: the one last used at this brand;
   else one used with another store, which is copied only if the influencer
   picks it (never preselected). Null when there is none. */
function savedOffer() {
  var profile = state.profile || {};
  if (profile.saved_address) return { source: "this_store", place: profile.saved_address };
  if (profile.another_store_address) {
    return { source: "another_store", place: profile.another_store_address };
  }
  return null;
}

function choiceKey() {
  return addressKey() + ":choice";
}

/* "this_store" or "another_store" (ship to that saved address), or "new". */
function shipChoice() {
  var offer = savedOffer();
  return offer && $("ship-saved").checked ? offer.source : "new";
}

function renderShipChoice() {
  var offer = savedOffer();
  $("ship-choice").hidden = !offer;
  if (offer) {
    var here = offer.source === "this_store";
    var place = [offer.place.city, offer.place.country].filter(Boolean).join(", ");
    var saved = $("ship-saved");
    saved.value = offer.source;
    $("ship-saved-label").textContent =
      (here ? "Ship to the address I used last time" : "Ship to an address I used with another store") +
      " (" + place + ")";
    var hint = $("ship-saved-hint");
    hint.textContent = here ? "" : state.brandName + " gets a copy of it with this request.";
    hint.hidden = here;
    if (here) saved.removeAttribute("aria-describedby");
    else saved.setAttribute("aria-describedby", "ship-saved-hint");
    // The influencer's choice in this tab wins; else this store's address.
    var stored = readStored(choiceKey());
    saved.checked = stored ? stored === offer.source : here;
    $("ship-new").checked = !saved.checked;
  }
  applyShipChoice();
}

/* The typed fields show only for a new address; their errors go with them. */
function applyShipChoice() {
  var typing = shipChoice() === "new";
  if (!typing && shownErrors($("address-fields")).length) {
    clearErrors($("address-fields"));
    refreshBanner();
  }
  $("address-fields").hidden = !typing;
}

/* An edit inside the address section: keep it in this frame. */
function addressEdited(target) {
  if (target.name === "ship") {
    writeStored(choiceKey(), shipChoice());
    applyShipChoice();
  } else {
    saveAddress();
  }
}

/* After a request went out, the address it used is this store's "last time". */
function addressSent(shipped) {
  var profile = state.profile;
  if (shipped.use_saved === "another_store") profile.saved_address = profile.another_store_address;
  else if (!shipped.use_saved) profile.saved_address = { city: shipped.city, country: shipped.country };
  profile.another_store_address = null;
  writeStored(choiceKey(), null);
  renderShipChoice();
}

/* A stored code the list lacks (a code assigned later) is still offered. */
function setCountry(code) {
  var select = addressField("country");
  if (code && !select.querySelector('option[value="' + code.replace(/[^A-Z]/g, "") + '"]')) {
    if (/^[A-Z]{2}$/.test(code)) select.appendChild(h("option", { value: code, text: code }));
  }
  select.value = /^[A-Z]{2}$/.test(code) ? code : "";
}

function readAddress() {
  var address = {};
  ADDRESS_FIELDS.forEach(function (key) {
    address[key] = addressField(key).value.trim();
  });
  return address;
}

function saveAddress() {
  writeStored(addressKey(), readAddress());
}

/* The address as the API takes it: a saved one by reference, or the typed
   one with optional fields only when filled. */
function addressBody() {
  var choice = shipChoice();
  if (choice !== "new") return { use_saved: choice };
  var address = readAddress();
  OPTIONAL_FIELDS.forEach(function (key) {
    if (!address[key]) delete address[key];
  });
  return address;
}
