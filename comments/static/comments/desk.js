// The moderation desk's keys: each key clicks the control marked with its data-key; "r"
// without a reason chosen asks for one first (1-7). The forms work without this script.
(function () {
  "use strict";

  var TEXT_INPUTS = /^(text|search|email|url|tel|number|password|date|datetime-local|month|time|week)$/;
  var choosingReason = false;
  var sent = false;

  function isTyping(target) {
    if (!target || !target.closest) {
      return false;
    }
    if (target.closest("textarea, select, [contenteditable]")) {
      return true;
    }
    return target.tagName === "INPUT" && TEXT_INPUTS.test(target.type);
  }

  function control(key) {
    return document.querySelector('#desk [data-key="' + key + '"]');
  }

  function hint(text) {
    var region = document.getElementById("desk-hint");
    if (region) {
      region.textContent = text;
    }
  }

  function reasonMode(on) {
    choosingReason = on;
    var fieldset = document.getElementById("desk-reasons");
    if (fieldset) {
      fieldset.classList.toggle("is-choosing", on);
    }
    hint(on ? fieldset.dataset.hint : "");
  }

  function submit(button) {
    sent = true; // one decision per page: the next page brings the next comment
    button.click();
  }

  function pickReason(digit) {
    var radio = document.querySelector('#desk [data-reason-key="' + digit + '"]');
    if (!radio) {
      return false;
    }
    radio.checked = true;
    if (choosingReason) {
      reasonMode(false);
      submit(control("r"));
    }
    return true;
  }

  function remove(button) {
    if (document.querySelector("#desk-reasons input:checked")) {
      submit(button);
    } else {
      reasonMode(true);
    }
  }

  function onKey(event) {
    if (sent || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "Escape" && choosingReason) {
      reasonMode(false);
    } else if (/^[1-9]$/.test(key)) {
      if (!pickReason(key)) {
        return;
      }
    } else {
      var button = control(key.toLowerCase());
      if (!button || event.repeat) {
        return;
      }
      if (key.toLowerCase() === "r") {
        remove(button);
      } else if (button.tagName === "SUMMARY") {
        button.click();
      } else {
        submit(button);
      }
    }
    event.preventDefault();
  }

  document.addEventListener("keydown", onKey);
})();
