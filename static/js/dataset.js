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
