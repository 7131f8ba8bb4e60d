// Logbook pages: the rich-text editor (Quill, from npm) over the entry textarea. Without
// JavaScript the textarea takes HTML as it is; the server sanitises whatever arrives.
(function () {
  function enhance(textarea) {
    if (textarea.dataset.enhanced || typeof Quill === "undefined") return;
    textarea.dataset.enhanced = "1";
    const holder = document.createElement("div");
    holder.className = "logbook-editor";
    textarea.after(holder);
    textarea.hidden = true;
    const quill = new Quill(holder, {
      theme: "snow",
      placeholder: "What happened? Paste images straight in.",
      modules: {
        toolbar: [["bold", "italic", "underline", "code"], [{ list: "ordered" }, { list: "bullet" }],
                  ["blockquote", "code-block", "link", "image"], ["clean"]],
      },
    });
    if (textarea.value.trim()) {
      quill.clipboard.dangerouslyPasteHTML(textarea.value);  // our own sanitised HTML
    }
    const sync = () => {
      // Quill 2's getSemanticHTML writes every space as &nbsp;: words would never wrap on a
      // phone (they broke mid-word) and history diffs would see one long word.
      textarea.value = quill.getLength() > 1 || quill.root.querySelector("img")
        ? quill.getSemanticHTML().replace(/&nbsp;/g, " ") : "";
    };
    quill.on("text-change", sync);
    textarea.form.addEventListener("submit", sync);
    holder.quill = quill;
  }

  function enhanceAll(root) {
    root.querySelectorAll("textarea[data-rich-text]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => enhanceAll(document));
  document.addEventListener("htmx:afterSettle", (event) => enhanceAll(event.target));

  // "Comment" on a notification opens the form with the link to it, without leaving the page.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-reply]");
    const form = document.getElementById("entry-form");
    if (!link || !form) return;
    event.preventDefault();
    form.querySelector("input[name=parent]").value = link.dataset.reply;
    const write = document.getElementById("write");
    write.open = true;
    let note = form.querySelector(".reply-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "small text-body-secondary reply-note";
      form.prepend(note);
    }
    note.textContent = "Commenting on event #" + link.dataset.reply;
    write.scrollIntoView({ behavior: "smooth" });
  });
})();
