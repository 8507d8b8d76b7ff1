// onestamp: small progressive enhancements. Every page works without this file; nothing here
// uses inline handlers or eval (the Content-Security-Policy allows neither). User-facing texts
// come from data-msg-* attributes of <body>, which the server fills from the message catalogue.
(function () {
  "use strict";

  var body = document.body;
  function msg(name) { return (body && body.getAttribute("data-msg-" + name)) || ""; }

  // Flash: one place for errors of htmx requests, which htmx would otherwise drop silently.
  function flash(text) {
    var el = document.getElementById("flash");
    if (!el) { return; }
    el.textContent = "";
    var span = document.createElement("span");
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", msg("close"));
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { el.hidden = true; });
    el.appendChild(span);
    el.appendChild(close);
    el.hidden = false;
  }

  // errorText takes the translated message out of an error response: JSON from the API, or the
  // error page's .error-message.
  function errorText(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    try {
      if (type.indexOf("application/json") === 0) {
        var e = JSON.parse(xhr.responseText).error;
        if (e && e.message) { return e.message; }
      } else if (type.indexOf("text/html") === 0) {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var m = doc.querySelector(".error-message");
        var id = doc.querySelector(".error-id");
        if (m) { return m.textContent + (id ? " " + id.textContent : ""); }
      }
    } catch (ignored) { /* fall through to the generic text */ }
    return msg("error");
  }

  document.addEventListener("htmx:responseError", function (ev) { flash(errorText(ev.detail.xhr)); });
  document.addEventListener("htmx:sendError", function () { flash(msg("network")); });

  // data-confirm="question": ask before a form is submitted or a button acts.
  document.addEventListener("submit", function (ev) {
    var q = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (q && !window.confirm(q)) { ev.preventDefault(); }
  }, true);
  // form[data-busy="message"]: long work on the server. Once the form really goes (no
  // confirmation stopped it), its buttons are disabled and the message is shown as a status.
  document.addEventListener("submit", function (ev) {
    var f = ev.target, m = f.getAttribute && f.getAttribute("data-busy");
    if (!m || ev.defaultPrevented) { return; }
    f.setAttribute("aria-busy", "true");
    Array.prototype.forEach.call(f.querySelectorAll("button"), function (b) { b.disabled = true; });
    var s = document.createElement("p");
    s.className = "notice busy";
    s.setAttribute("role", "status");
    s.textContent = m;
    f.appendChild(s);
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest && ev.target.closest("button[data-confirm], a[data-confirm]");
    if (el && !el.form && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    var p = ev.target.closest && ev.target.closest("[data-print]");
    if (p) { ev.preventDefault(); window.print(); }
  });

  // table[data-sortable]: click a header to sort by that column (numbers as numbers, otherwise
  // in the page's language order). A cell may carry data-sort with the value to sort by.
  function cellValue(row, i) {
    var c = row.cells[i];
    if (!c) { return ""; }
    return c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : c.textContent.trim();
  }
  function sortTable(table, th) {
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var tbody = table.tBodies[0];
    if (!tbody) { return; }
    var rows = Array.prototype.slice.call(tbody.rows);
    var coll = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    rows.sort(function (a, b) {
      var x = cellValue(a, idx), y = cellValue(b, idx);
      var nx = parseFloat(x), ny = parseFloat(y);
      var r = (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) ? nx - ny : coll.compare(x, y);
      return asc ? r : -r;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  document.addEventListener("click", function (ev) {
    var th = ev.target.closest && ev.target.closest("table[data-sortable] thead th");
    if (th && !th.hasAttribute("data-nosort")) { sortTable(th.closest("table"), th); }
  });
  document.addEventListener("keydown", function (ev) {
    var th = ev.target.closest && ev.target.closest("table[data-sortable] thead th");
    if (th && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); sortTable(th.closest("table"), th); }
  });
  function markSortable(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table[data-sortable] thead th:not([data-nosort])"), function (th) {
      th.tabIndex = 0;
    });
  }

  // input[data-filter="#table-id"]: hide the rows of that table that do not contain the text.
  document.addEventListener("input", function (ev) {
    var sel = ev.target.getAttribute && ev.target.getAttribute("data-filter");
    if (!sel) { return; }
    var table = document.querySelector(sel);
    if (!table || !table.tBodies[0]) { return; }
    var q = ev.target.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
    });
  });

  markSortable(document);
  document.addEventListener("htmx:afterSettle", function (ev) { markSortable(ev.target); });
})();
