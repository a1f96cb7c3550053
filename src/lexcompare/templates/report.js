(function () {
  "use strict";
  function norm(s) {
    return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.gap"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.theme"));
  var heatRows = Array.prototype.slice.call(document.querySelectorAll("#heatmap tbody tr"));
  var texts = rows.map(function (r) { return norm(r.textContent); });
  var fStatus = document.getElementById("f-status");
  var fTheme = document.getElementById("f-theme");
  var fScope = document.getElementById("f-scope");
  var fSearch = document.getElementById("f-search");
  var shown = document.getElementById("n-shown");
  function apply() {
    var st = fStatus.value, th = fTheme.value, sc = fScope.value;
    var words = norm(fSearch.value).split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (r, i) {
      var ok = (!st || r.dataset.status === st) && (!th || r.dataset.theme === th) &&
        (!sc || r.dataset.scope === sc) &&
        words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    sections.forEach(function (s) {
      s.hidden = !s.querySelector("tr.gap:not([hidden])");
    });
    heatRows.forEach(function (r) {
      r.classList.toggle("dim", !!th && r.dataset.theme !== th);
    });
    shown.textContent = String(n);
  }
  [fStatus, fTheme, fScope].forEach(function (el) { el.addEventListener("change", apply); });
  fSearch.addEventListener("input", apply);
  heatRows.forEach(function (r) {
    r.addEventListener("click", function () {
      fTheme.value = fTheme.value === r.dataset.theme ? "" : r.dataset.theme;
      apply();
      var target = document.getElementById("theme-" + r.dataset.theme);
      if (fTheme.value && target) { target.scrollIntoView(); }
    });
  });
})();
