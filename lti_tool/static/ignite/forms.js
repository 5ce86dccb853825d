// Submit buttons show that they are working and cannot be pressed twice (a 10 MB upload takes
// a while; a second press would post the form again). Progressive enhancement: without this
// script the forms work as before, and the server's own checks (idempotent submission) stand.
(function () {
  var WORKING = "Working…";

  function buttonsOf(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]'));
    if (form.id) {
      inside = inside.concat(Array.prototype.slice.call(document.querySelectorAll('[form="' + form.id + '"]')));
    }
    return inside;
  }

  function reset(form) {
    delete form.dataset.submitting;
    buttonsOf(form).forEach(function (button) {
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
      if (button.dataset.label !== undefined) {
        if (button.tagName === "INPUT") button.value = button.dataset.label;
        else button.textContent = button.dataset.label;
        delete button.dataset.label;
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (event.defaultPrevented) return; // another script stopped it (a question to answer first)
    // A form opening another window or downloading a file leaves this page where it is.
    if ((form.target && form.target !== "_self") || form.hasAttribute("data-download")) return;
    if (form.dataset.submitting === "true") {
      event.preventDefault(); // the first press is on its way
      return;
    }
    form.dataset.submitting = "true";
    var pressed = event.submitter;
    buttonsOf(form).forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
    if (pressed && pressed.tagName !== "INPUT" && pressed.children.length === 0) {
      pressed.dataset.label = pressed.textContent;
      pressed.textContent = WORKING;
    } else if (pressed && pressed.tagName === "INPUT") {
      pressed.dataset.label = pressed.value;
      pressed.value = WORKING;
    }
    if (pressed) pressed.setAttribute("aria-busy", "true");
  });

  // Coming back with the browser's Back button restores the page as it was left: usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submitting]"), reset);
  });
})();
