// The platform side of two LTI window messages, for the tool in the frame:
// - lti.frameResize: size the tool's iframe to the height it asks for (growing or shrinking),
//   recording the last height asked for in data-height;
// - LTI Client Side postMessage storage (lti.capabilities, lti.put_data, lti.get_data): keep
//   small values for the tool, answering only the tool's frame and origin.
(function () {
  var frame = document.querySelector('[data-testid="tool-frame"]');
  if (!frame) return;
  var toolOrigin = frame.dataset.toolOrigin;
  var store = {};
  var stats = document.querySelector('[data-testid="dev-storage"]');
  var counts = { put: 0, get: 0 };

  function report() {
    if (!stats) return;
    stats.dataset.puts = String(counts.put);
    stats.dataset.gets = String(counts.get);
    stats.textContent = "Platform storage for the tool: " + counts.put + " value(s) stored, " +
      counts.get + " read.";
  }

  function answer(event, message) {
    event.source.postMessage(message, event.origin);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data.subject !== "string") return;
    if (data.subject === "lti.frameResize") {
      var height = parseInt(data.height, 10);
      if (height > 0 && height < 20000) {
        frame.height = String(Math.max(height, 320));
        frame.dataset.resized = "true";
        frame.dataset.height = String(height);
      }
      return;
    }
    if (event.origin !== toolOrigin) return; // storage only for the registered tool
    if (frame.dataset.storage === "broken") return; // playing an LMS whose storage is broken
    var reply = { subject: data.subject + ".response", message_id: data.message_id };
    if (data.subject === "lti.capabilities") {
      reply.supported_messages = [
        { subject: "lti.capabilities" }, { subject: "lti.put_data" }, { subject: "lti.get_data" }
      ];
    } else if (data.subject === "lti.put_data") {
      if (typeof data.key !== "string" || typeof data.value !== "string") {
        reply.error = { code: "bad_request", message: "key and value must be strings" };
      } else {
        store[toolOrigin + " " + data.key] = data.value;
        reply.key = data.key; reply.value = data.value;
        counts.put += 1;
      }
    } else if (data.subject === "lti.get_data") {
      var key = toolOrigin + " " + data.key;
      if (!(key in store)) {
        reply.error = { code: "bad_request", message: "no value for this key" };
      } else {
        reply.key = data.key; reply.value = store[key];
        counts.get += 1;
      }
    } else {
      reply.error = { code: "unsupported_subject", message: "not supported here" };
    }
    answer(event, reply);
    report();
  });
})();
