// Load with <script type="module" src="..."> at the end of <body>.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
