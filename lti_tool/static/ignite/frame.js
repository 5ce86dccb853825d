// Ask the LMS to size its iframe to the page (Canvas and others support lti.frameResize).
// The height is the bottom of <body>'s content, not documentElement.scrollHeight: inside a
// frame scrollHeight is at least the frame's current height, so it could only ever grow and a
// short page after a long one kept the long page's blank space below it.
(function () {
  if (window.parent === window) return;
  var last = 0;
  var queued = false;

  function contentHeight() {
    var body = document.body;
    if (!body) return 0;
    var rect = body.getBoundingClientRect();
    var style = window.getComputedStyle(body);
    var bottom = rect.bottom + (window.scrollY || window.pageYOffset || 0);
    return Math.ceil(bottom + (parseFloat(style.marginBottom) || 0));
  }

  function send() {
    queued = false;
    var height = contentHeight();
    if (height <= 0 || height === last) return;
    last = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }

  // Many changes arrive together (a details element opening, an image loading): measure once
  // per frame, after layout.
  function schedule() {
    if (queued) return;
    queued = true;
    (window.requestAnimationFrame || window.setTimeout)(send);
  }

  function start() {
    schedule();
    if (window.ResizeObserver) new ResizeObserver(schedule).observe(document.body);
    if (window.MutationObserver) {
      new MutationObserver(schedule).observe(document.body, {
        childList: true, subtree: true, attributes: true, characterData: true
      });
    }
  }

  window.addEventListener("load", schedule);
  window.addEventListener("resize", schedule);
  document.addEventListener("toggle", schedule, true); // <details> opening or closing
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
