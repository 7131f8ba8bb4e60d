// Filter bar of the investigation lists (catalogue/_investigation_filters.html).
// Keep bookmarkable URLs short: leave empty filters and the default sort out of the query string.
// Registered once, however often the filter bar is loaded.
if (!window.portalFilterUrls) {
  window.portalFilterUrls = true;
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt.closest("#investigation-filters")) return;
    for (const name of Array.from(event.detail.formData.keys())) {
      const value = event.detail.formData.get(name);
      if (value === "" || (name === "sort" && value === "-date")) event.detail.formData.delete(name);
    }
  });
}
