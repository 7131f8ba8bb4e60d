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
