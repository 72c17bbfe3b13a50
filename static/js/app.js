// Load with <script type="module" src="..."> at the end of <body>.
import { initAll } from "../govuk/govuk-frontend.min.js";
import { initTimeoutWarning } from "./timeout.js";

initAll();
initTimeoutWarning(document.querySelector('[data-module="app-timeout-warning"]'));
