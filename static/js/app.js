// Behaviour of every page: Det Fælles Designsystem's components, and the confirmation that
// irreversible actions ask for.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS) {
    window.DKFDS.init();
  }
});

// A form, or the button that submits it, with data-confirm="<what will happen>" is sent only
// after the user confirms in the page's dialog (#rk-confirm in base.html). The dialog names
// the consequence and repeats the button's own words on its confirm button; Escape or
// "Annuller" leaves everything as it was and returns focus to the button. Listening in the
// capture phase lets the dialog come before htmx's own submit handler.
document.addEventListener(
  "submit",
  function (event) {
    const form = event.target;
    const submitter = event.submitter;
    const text =
      (submitter && submitter.dataset.confirm) || (form.dataset && form.dataset.confirm);
    if (!text || form.dataset.confirmed === "yes") {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    const dialog = document.getElementById("rk-confirm");
    const accept = dialog.querySelector("[data-confirm-accept]");
    if (!accept.dataset.defaultLabel) {
      accept.dataset.defaultLabel = accept.textContent;
    }
    dialog.querySelector("#rk-confirm-text").textContent = text;
    const label = submitter ? submitter.textContent.trim() : "";
    accept.textContent = label || accept.dataset.defaultLabel;
    accept.onclick = function () {
      dialog.close();
      form.dataset.confirmed = "yes";
      form.requestSubmit(submitter || undefined);
      delete form.dataset.confirmed;
    };
    dialog.querySelector("[data-confirm-cancel]").onclick = function () {
      dialog.close();
    };
    dialog.onclose = function () {
      if (submitter) {
        submitter.focus();
      }
    };
    dialog.showModal();
    accept.focus();
  },
  true,
);

// Wide tables scroll inside one kind of container (.rk-table-scroll) instead of widening the
// page (WCAG 1.4.10, reflow at 320 px). A container that does scroll can be reached and
// scrolled by keyboard: tabindex="0", role="region", named by the table's caption or the
// heading before it.
function tableName(table) {
  if (table.caption) {
    return table.caption.textContent.trim();
  }
  let node = table.parentElement;
  while (node && node !== document.body) {
    let sibling = node.previousElementSibling;
    while (sibling) {
      if (/^H[1-6]$/.test(sibling.tagName)) {
        return sibling.textContent.trim();
      }
      sibling = sibling.previousElementSibling;
    }
    node = node.parentElement;
  }
  return document.title.split("·")[0].trim();
}

function markScrolling(wrapper) {
  const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
  if (scrolls) {
    wrapper.setAttribute("tabindex", "0");
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("aria-label", wrapper.dataset.name);
  } else {
    wrapper.removeAttribute("tabindex");
    wrapper.removeAttribute("role");
    wrapper.removeAttribute("aria-label");
  }
}

function wrapTables(root) {
  root.querySelectorAll("main table").forEach(function (table) {
    let wrapper = table.parentElement;
    if (!wrapper.classList.contains("rk-table-scroll")) {
      wrapper = document.createElement("div");
      wrapper.className = "rk-table-scroll";
      table.parentNode.insertBefore(wrapper, table);
      wrapper.appendChild(table);
    }
    wrapper.dataset.name = tableName(table);
    markScrolling(wrapper);
  });
}

// A schedule chosen as people say it (robots.forms.ScheduleFieldsMixin): the kind's select
// names, per kind, the fields that kind uses (data-schedule-fields); the others are hidden
// while it is chosen. Without JavaScript every field shows, its label saying when it counts.
function showScheduleFields(select) {
  const fields = JSON.parse(select.dataset.scheduleFields);
  const shown = fields[select.value] || [];
  new Set(Object.values(fields).flat()).forEach(function (name) {
    const group = select.form.querySelector('[data-field="' + name + '"]');
    if (group) {
      group.hidden = !shown.includes(name);
    }
  });
}

document.addEventListener("DOMContentLoaded", function () {
  wrapTables(document);
  document.querySelectorAll("select[data-schedule-fields]").forEach(function (select) {
    showScheduleFields(select);
    select.addEventListener("change", function () {
      showScheduleFields(select);
    });
  });
});
window.addEventListener("resize", function () {
  document.querySelectorAll(".rk-table-scroll").forEach(markScrolling);
});
document.addEventListener("htmx:afterSettle", function (event) {
  wrapTables(event.target.closest("main") ? event.target : document);
  // A form sent with htmx and answered with errors: its summary takes the focus, as on a page.
  const summary = event.target.querySelector('[data-module="error-summary"]');
  if (summary && window.DKFDS) {
    new window.DKFDS.ErrorSummary(summary).init();
  }
});
