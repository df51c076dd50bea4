/* The shipping address: typed only inside this frame. It is kept in the
   panel's own sessionStorage (the widget's origin, never the host page's)
   so a reload of the frame keeps it, and is prefilled from the profile's
   last address otherwise. Country is picked by name; its ISO code is sent. */

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
  var address = readStored(addressKey()) || profile.last_shipping_address || { name: profile.name || "" };
  ADDRESS_FIELDS.forEach(function (key) {
    var value = typeof address[key] === "string" ? address[key] : "";
    if (key === "country") setCountry(value.toUpperCase());
    else addressField(key).value = value;
  });
  $("contact-note").textContent = profile.email ? "Updates about this request go to " + profile.email + "." : "";
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

/* The address as the API takes it: optional fields only when filled. */
function addressBody() {
  var address = readAddress();
  OPTIONAL_FIELDS.forEach(function (key) {
    if (!address[key]) delete address[key];
  });
  return address;
}
