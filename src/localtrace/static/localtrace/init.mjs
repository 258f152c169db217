// Start GOV.UK Frontend's components and the inactivity warning. Pages work without this.
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'
import { startSessionWarning } from './session-warning.mjs'

initAll()
startSessionWarning(document.body)

// A submission being processed shows its progress; without JavaScript the page says to reload.
if (document.querySelector('[data-refresh-while-working]')) {
  setTimeout(() => window.location.reload(), 3000)
}
