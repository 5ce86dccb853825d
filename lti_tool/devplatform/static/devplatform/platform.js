// The platform side of lti.frameResize: grow the tool's iframe to the height it asks for.
(function () {
  var frame = document.querySelector('[data-testid="tool-frame"]');
  if (!frame) return;
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.subject !== "lti.frameResize") return;
    var height = parseInt(data.height, 10);
    if (height > 0 && height < 20000) {
      frame.height = String(Math.max(height, 320));
      frame.dataset.resized = "true";
    }
  });
})();
