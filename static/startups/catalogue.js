/*
 * The catalogue page with JavaScript (templates/startups/startup_list.html). Without
 * it everything works through the form: the Apply button, "See all" and "Find" as
 * submit buttons.
 * - wide screens: the filter panel is open (the CSS does it too where it can);
 * - ticking a value applies it at once;
 * - "See all" fetches the unfolded facet and puts it in place;
 * - a long facet's filter box filters as one types: among the values listed when
 *   they are all there, else by asking the server for the unfolded facet.
 */
(function () {
  "use strict";

  var form = document.getElementById("catalogue-filters");
  var panel = document.getElementById("catalogue-panel");
  if (!form || !panel) {
    return;
  }
  var wide = window.matchMedia("(min-width: 48em)");

  function followWidth() {
    if (wide.matches) {
      panel.open = true;
    }
  }
  followWidth();
  wide.addEventListener("change", followWidth);

  function apply() {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "checkbox" || target.tagName === "SELECT") {
      apply();
    }
  });

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  function unfold(name, typed) {
    var data = new FormData(form);
    data.set("unfold", name);
    data.set("find_" + name, typed || "");
    data.delete("page");
    var query = new URLSearchParams(data);
    return fetch(form.action + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("facet-" + name);
        var current = document.getElementById("facet-" + name);
        if (!fresh || !current) {
          throw new Error("no facet " + name);
        }
        fresh = document.adoptNode(fresh);
        current.replaceWith(fresh);
        setUp(fresh);
        var box = fresh.querySelector(".catalogue-facet__find input");
        if (box && typed !== undefined) {
          box.focus();
          box.setSelectionRange(box.value.length, box.value.length);
        }
      });
  }

  function setUp(fieldset) {
    var name = fieldset.getAttribute("data-facet");
    var box = fieldset.querySelector(".catalogue-facet__find input");
    var button = fieldset.querySelector(".catalogue-facet__find-button");
    if (button) {
      button.hidden = true;
    }
    if (!box) {
      return;
    }
    var timer = null;
    function find() {
      if (fieldset.hasAttribute("data-more")) {
        // Some values are not listed: the server finds them among all.
        unfold(name, box.value).catch(function () {
          box.form.appendChild(hidden("unfold", name));
          box.form.submit();
        });
        return;
      }
      var wanted = fold(box.value.trim());
      fieldset.querySelectorAll(".fr-checkbox-group").forEach(function (group) {
        var element = group.parentElement;
        element.hidden = wanted !== "" && fold(group.textContent).indexOf(wanted) === -1;
      });
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(find, 250);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        find();
      }
    });
  }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest(".catalogue-facet__more");
    if (button) {
      event.preventDefault();
      unfold(button.value).catch(function () {
        form.appendChild(hidden("unfold", button.value));
        form.submit();
      });
    }
  });

  form.querySelectorAll(".catalogue-facet").forEach(setUp);
})();
