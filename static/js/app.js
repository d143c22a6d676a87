// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // An action that sends the user back to what it changed (a URL with its #anchor, e.g. a judged match):
  // its message is shown there, in view, instead of at the top of the page out of sight.
  var flashes = document.querySelectorAll("main > .flash");
  var changed = location.hash.length > 1 && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (flashes.length && changed) {
    flashes.forEach(function (flash) { changed.insertBefore(flash, changed.firstChild); });
    changed.scrollIntoView({ block: "start" });
  }
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
  // Demand form: suggest domains and kinds from the title and description; the firm ticks them itself
  // or takes the suggestion with one click (nothing is ticked behind its back).
  var suggest = document.querySelector("#demand-form [data-suggest-url]");
  if (suggest) {
    suggest.hidden = false;
    var form = suggest.closest("form");
    var result = suggest.querySelector("[data-suggest-result]");
    var tick = function (name, values) {
      form.querySelectorAll("input[name=" + name + "]").forEach(function (box) {
        if (values.indexOf(box.value) >= 0) box.checked = true;
      });
    };
    suggest.querySelector("[data-suggest]").addEventListener("click", function () {
      var title = form.querySelector("[name=title]").value.trim();
      var description = form.querySelector("[name=description]").value.trim();
      if (!title && !description) {
        result.textContent = "请先填写需求标题和描述，再点击识别。";
        return;
      }
      var body = new FormData();
      body.append("title", title);
      body.append("description", description);
      result.textContent = "正在识别……";
      fetch(suggest.dataset.suggestUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": form.querySelector("[name=csrf_token]").value },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          var labels = function (name, values) {
            return values.map(function (v) {
              var box = form.querySelector("input[name=" + name + "][value='" + v + "']");
              return box && box.parentNode ? box.parentNode.textContent.trim() : v;
            });
          };
          var parts = [];
          if (data.domains.length) parts.push("领域：" + labels("domains", data.domains).join("、"));
          if (data.kinds.length) parts.push("类型：" + labels("kinds", data.kinds).join("、"));
          var scale = data.volumes.concat(data.masses);
          if (scale.length) parts.push("规模：" + scale.join("、"));
          if (data.certifications.length) parts.push("资质：" + data.certifications.join("、"));
          result.textContent = parts.length ? "建议 " + parts.join("；") + "。" : "没有识别出建议，请手动选择。";
          if (data.domains.length || data.kinds.length) {
            var take = document.createElement("button");
            take.type = "button";
            take.className = "btn small";
            take.textContent = "采用建议的领域与类型";
            take.addEventListener("click", function () {
              tick("domains", data.domains);
              tick("kinds", data.kinds);
              take.remove();
              result.appendChild(document.createTextNode("已勾选建议的领域与类型，可再调整。"));
            });
            result.appendChild(document.createTextNode(" "));
            result.appendChild(take);
          }
        })
        .catch(function () {
          result.textContent = "暂时无法识别，请手动选择领域与类型。";
        });
    });
  }
});
