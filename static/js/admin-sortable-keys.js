// In the admin only (toolkit_content/admin.py's Media; the admin loads plain scripts, not
// our ES modules). django-admin-sortable2's "Move to first/last position" controls are icons
// with role="button" that only a mouse can press: make each one a keyboard stop that Enter
// and Space press, as for a button, keeping the focus on it once its row has moved.
document.addEventListener("DOMContentLoaded", () => {
  for (const icon of document.querySelectorAll("span.sort i[role='button']")) {
    icon.tabIndex = 0;
    icon.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        icon.click();
        icon.focus();
      }
    });
  }
});
