// Load with a plain <script src> as the first element of <body> (inline
// scripts are blocked by the CSP). Adds the classes GOV.UK Frontend uses to
// decide whether to apply its JavaScript-enhanced styles.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
