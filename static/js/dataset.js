// Dataset page (catalogue/dataset_detail.html).
// Gallery: open the full-size image in a modal (without JS the link opens the image itself).
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-gallery-full]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  document.getElementById("gallery-modal-image").src = link.href;
  document.getElementById("gallery-modal-image").alt = link.dataset.caption;
  document.getElementById("gallery-modal-title").textContent = link.dataset.caption;
  bootstrap.Modal.getOrCreateInstance(document.getElementById("gallery-modal")).show();
});

// Gallery: a thumbnail that fails (a file gone from disk, unreadable) becomes a quiet tile, never a
// broken image. Errors do not bubble: listen in the capture phase, and check those already failed.
function showPlaceholder(image) {
  const tile = document.createElement("span");
  tile.className = "gallery-tile gallery-placeholder";
  tile.dataset.testid = "gallery-placeholder";
  const icon = document.createElement("i");
  icon.className = "bi bi-image";
  icon.setAttribute("aria-hidden", "true");
  const label = document.createElement("span");
  label.textContent = "No preview";
  tile.append(icon, label);
  (image.closest("a, .gallery-tile") || image).replaceWith(tile);
}
document.addEventListener("error", (event) => {
  if (event.target instanceof HTMLImageElement && event.target.closest(".gallery-item")) {
    showPlaceholder(event.target);
  }
}, true);
document.querySelectorAll(".gallery-item img").forEach((image) => {
  if (image.complete && image.naturalWidth === 0 && image.getAttribute("src")) showPlaceholder(image);
});

// HDF5 viewer: H5Web (React, bundled by `make install` into static/build/) is an island loaded
// only when wanted: "View" on a file, a page opened with ?h5=, or the viewer section scrolled
// into sight (the first file). Without JS, "View" reloads the page with the file's outline.
(() => {
  const island = document.getElementById("h5web");
  if (!island) return;
  let bundle = null;
  function loadBundle() {
    bundle ??= new Promise((resolve, reject) => {
      const style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = island.dataset.bundleCss;
      document.head.append(style);
      const script = document.createElement("script");
      script.src = island.dataset.bundleJs;
      script.onload = resolve;
      script.onerror = () => {
        bundle = null; // let a later click try again
        reject(new Error("The viewer could not be loaded."));
      };
      document.head.append(script);
    });
    return bundle;
  }
  function open(url, file) {
    if (island.dataset.url !== url) delete island.dataset.path; // a path of the page's file only
    island.dataset.url = url;
    island.dataset.file = file;
    for (const other of document.querySelectorAll("[data-h5web-url]")) {
      const current = other.dataset.h5webUrl === url;
      other.classList.toggle("btn-primary", current);
      other.classList.toggle("btn-outline-primary", !current);
      other.setAttribute("aria-current", current ? "true" : "false");
    }
    island.classList.add("h5web-open");
    if (!window.portalH5Web) {
      const waiting = document.createElement("div");
      waiting.className = "h5web-loading";
      waiting.innerHTML = '<span class="spinner-border spinner-border-sm" role="status"></span> Loading the viewer…';
      island.replaceChildren(waiting);
    }
    loadBundle()
      .then(() => window.portalH5Web.mount(island))
      .catch((error) => {
        const message = document.createElement("div");
        message.className = "alert alert-warning m-3";
        message.textContent = `${error.message} Reload the page to try again, or download the file.`;
        island.replaceChildren(message);
      });
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-h5web-url]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    history.replaceState(history.state, "", link.getAttribute("href"));
    open(link.dataset.h5webUrl, link.dataset.h5webFile);
  });
  const first = document.querySelector("[data-h5web-url]");
  if (island.dataset.url) {
    open(island.dataset.url, island.dataset.file); // ?h5= chose the file
  } else if (first) {
    const watcher = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        watcher.disconnect();
        if (!island.classList.contains("h5web-open")) {
          open(first.dataset.h5webUrl, first.dataset.h5webFile);
        }
      }
    });
    watcher.observe(island);
  }
})();
