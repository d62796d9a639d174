// Progressive enhancement for the comment form; it works without this file.
// - A refused comment comes back at the form's own address (/comments/post/…): the page then
//   takes the article's address, so a refresh reloads the article instead of sending the
//   comment again.
// - What the reader types is kept in this tab (sessionStorage) until it is sent, so a refresh
//   or a lost page does not lose it.
(function () {
  "use strict";
  var form = document.querySelector("form.comment-form");
  if (!form) return;
  var key = "comment-draft:" + form.dataset.article;
  var names = ["name", "email", "url", "body"];

  function store() {
    try {
      var draft = {};
      names.forEach(function (name) {
        if (form.elements[name]) draft[name] = form.elements[name].value;
      });
      sessionStorage.setItem(key, JSON.stringify(draft));
    } catch (error) { /* storage full or off: the form still works */ }
  }

  function restore() {
    var draft;
    try { draft = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (error) { return; }
    if (!draft || !form.elements.body || form.elements.body.value) return;
    names.forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.value && draft[name]) field.value = draft[name];
    });
  }

  if (form.hasAttribute("data-refused")) {
    history.replaceState(null, "", form.dataset.pageUrl);
    var alert = form.querySelector("[role=alert]");
    if (alert) alert.focus();  // autofocus does this without script; a changed URL skips it
    store();
  } else {
    restore();
  }
  form.addEventListener("input", store);
  form.addEventListener("submit", function () {
    try { sessionStorage.removeItem(key); } catch (error) { /* nothing kept */ }
  });
})();
