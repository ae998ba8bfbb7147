/*
 * The catalogue page with JavaScript (templates/startups/startup_list.html). Without
 * it everything works through the form: the Apply button, "See all" as a submit.
 * - wide screens: the filter panel is open (the CSS does it too where it can);
 * - ticking a value applies it at once;
 * - "See all" fetches the unfolded facet and puts it in place, with a filter box;
 * - a long facet gets a filter box that hides the values not matching it.
 */
(function () {
  "use strict";

  var form = document.getElementById("catalogue-filters");
  var panel = document.getElementById("catalogue-panel");
  if (!form || !panel) {
    return;
  }
  // A facet with more values than this, or with values still folded, gets a
  // filter box.
  var LONG_FACET = 10;
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
    if (target.type === "checkbox") {
      apply();
    } else if (target.tagName === "SELECT") {
      apply();
    }
  });

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  function addFilterBox(fieldset) {
    var elements = fieldset.querySelectorAll(".fr-fieldset__element");
    var options = [];
    elements.forEach(function (element) {
      if (element.querySelector("input[type=checkbox]")) {
        options.push(element);
      }
    });
    var folded = fieldset.querySelector(".catalogue-facet__more");
    if (fieldset.querySelector(".catalogue-facet__filter") ||
        (!folded && options.length <= LONG_FACET)) {
      return;
    }
    var name = fieldset.getAttribute("data-facet");
    var legend = fieldset.querySelector("legend");
    var box = document.createElement("div");
    box.className = "fr-input-group catalogue-facet__filter";
    var label = document.createElement("label");
    label.className = "fr-label fr-text--sm";
    label.htmlFor = "filter-" + name;
    label.textContent = (form.getAttribute("data-filter-label") || "Filter:") + " " +
      (legend ? legend.textContent.trim() : "");
    var input = document.createElement("input");
    input.className = "fr-input";
    input.type = "search";
    input.id = "filter-" + name;
    input.autocomplete = "off";
    box.appendChild(label);
    box.appendChild(input);
    legend.insertAdjacentElement("afterend", box);
    input.addEventListener("input", function () {
      if (folded) {
        // The other values first: the box filters them all.
        folded = null;
        unfold(name, input.value);
        return;
      }
      var wanted = fold(input.value.trim());
      options.forEach(function (element) {
        var text = fold(element.textContent);
        element.hidden = wanted !== "" && text.indexOf(wanted) === -1;
      });
    });
    // Enter in the box filters; it does not submit the form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
  }

  function unfold(name, typed) {
    var data = new FormData(form);
    data.set("unfold", name);
    var query = new URLSearchParams(data);
    fetch(form.action + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("facet-" + name);
        var current = document.getElementById("facet-" + name);
        if (!fresh || !current) {
          throw new Error("no facet");
        }
        current.replaceWith(document.adoptNode(fresh));
        addFilterBox(fresh);
        var box = fresh.querySelector(".catalogue-facet__filter input");
        if (box) {
          box.focus();
          if (typed) {
            box.value = typed;
            box.dispatchEvent(new Event("input"));
          }
        }
      })
      .catch(function () {
        // The plain way: the form, submitted with the button.
        form.appendChild(hiddenUnfold(name));
        form.submit();
      });
  }

  function hiddenUnfold(name) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "unfold";
    input.value = name;
    return input;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest(".catalogue-facet__more");
    if (button) {
      event.preventDefault();
      unfold(button.value);
    }
  });

  form.querySelectorAll(".catalogue-facet").forEach(addFilterBox);
})();
