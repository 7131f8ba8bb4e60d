// Parcel scanning (shipments/scan.html): keep the cursor in the code field so the next scan lands there.
document.body.addEventListener("htmx:afterSwap", () => document.getElementById("id_code")?.focus());
