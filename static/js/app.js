// Load with <script type="module" src="..."> at the end of <body>.
import { initAll } from "../govuk/govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout.js";
import { initAutosave, removeOldDrafts } from "./autosave.js";

initAll();
initTimeoutWarning(document.querySelector('[data-module="app-timeout-warning"]'));
removeOldDrafts();
document.querySelectorAll('form[data-module="app-autosave"]').forEach(initAutosave);
