// Small behaviours shared by every page; page-specific code lives beside its template.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const box = document.getElementById("messages") || document.querySelector("main .portal-main");
  const alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = status === 404 ? "Not found." : `The server answered ${status}. Please try again.`;
  box.prepend(alert);
});

// Buttons that print the page (`data-print`): the Content-Security-Policy allows no onclick.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// Forms with `data-apply-menus` apply a menu (select) choice at once, through the custom event
// `menu-change` in their hx-trigger: htmx's trigger filters (`change[...]`) need eval, which the
// Content-Security-Policy forbids.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-apply-menus]");
  if (form && event.target.tagName === "SELECT") htmx.trigger(form, "menu-change");
});
