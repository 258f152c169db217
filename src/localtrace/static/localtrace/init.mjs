// Start GOV.UK Frontend's components and the inactivity warning. Pages work without this.
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'
import { startSessionWarning } from './session-warning.mjs'

initAll()
startSessionWarning(document.body)
