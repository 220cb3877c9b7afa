// OCOP Hub portal: tell the person when a background save could not reach the server, so a
// council member never believes an unsaved score sheet was kept. (No eval: the CSP forbids it.)
(function () {
  function warn(event) {
    var form = event.target && event.target.closest ? event.target.closest("form[data-save-error]") : null;
    if (!form) { return; }
    var box = document.getElementById(form.getAttribute("data-save-status") || "");
    if (!box) { return; }
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "alert");
    note.textContent = form.getAttribute("data-save-error");
    box.replaceChildren(note);
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target && event.target.closest ? event.target.closest("form[data-save-error]") : null;
    var box = form && document.getElementById(form.getAttribute("data-save-status") || "");
    if (box && event.detail && event.detail.successful) { box.replaceChildren(); }
  });
  document.addEventListener("htmx:sendError", warn);
  document.addEventListener("htmx:responseError", warn);
})();

// Filters start folded on phones (results first) and open on wider screens.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("details.filter-box");
  if (box && window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) { box.open = true; }
});
