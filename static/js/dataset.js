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
