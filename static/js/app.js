// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Mobile navigation toggle.
  document.querySelectorAll("[data-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelector(button.dataset.toggle).classList.toggle("open");
    });
  });
  // Confirmation for destructive buttons.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
  // Panels closed on a phone (search facets: the results come first) open by themselves on wide screens.
  if (window.matchMedia("(min-width: 761px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) { details.open = true; });
  }
  // Sort selects submit their form.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Offering form: show only the fields of the chosen kind.
  var kind = document.querySelector("#offering-form select[name=kind]");
  if (kind) {
    var sync = function () {
      document.querySelectorAll(".kind-fields").forEach(function (fs) {
        fs.hidden = fs.dataset.kind !== kind.value;
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }
});
