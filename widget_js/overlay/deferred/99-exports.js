/* What the overlay calls (45-deferred.js). */
X.open = openPanel;
X.close = closePanel;
X.send = function (message) {
  if (frameReady) postToPanel(message);
};
X.pick = pickVariant;
X.preview = startPreview;
X.notice = showNotice;
