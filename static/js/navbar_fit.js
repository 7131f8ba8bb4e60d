// The navigation bar on one row (see portal.css): when its entries overflow the screen, show them
// as icons: first all but the main ones (.nav-icons-some), then all (.nav-icons), and if that is
// not enough, the brand as its logo only (.nav-logo-only). Loaded right after the bar, so the
// choice is made before the first paint, and again whenever the window or the bar's content
// (polled badges) changes.
(() => {
  const nav = document.getElementById("portal-navbar");
  if (!nav) return;
  const row = nav.querySelector(".portal-navbar-row");
  const steps = ["nav-icons-some", "nav-icons", "nav-logo-only"];
  const overflows = () => row.scrollWidth > row.clientWidth + 1;
  const fit = () => {
    nav.classList.remove(...steps);
    for (const step of steps) {
      if (!overflows()) break;
      nav.classList.add(step);
    }
  };
  fit();
  let pending = false;
  const refit = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fit();
    });
  };
  window.addEventListener("resize", refit);
  document.addEventListener("htmx:afterSettle", refit);
  document.fonts?.ready.then(refit);
})();
