// Start GOV.UK Frontend's components and the inactivity warning. Pages work without this.
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'
import { startSessionWarning } from './session-warning.mjs'

initAll()
startSessionWarning(document.body)

// A submission being processed shows its progress; without JavaScript the page says to reload.
if (document.querySelector('[data-refresh-while-working]')) {
  setTimeout(() => window.location.reload(), 3000)
}

// A table that is wider than the screen scrolls inside its region, which is then a tab stop so that
// keyboard users can scroll it. A region that fits is no tab stop: one less key press per table.
if ('ResizeObserver' in window) {
  const tabStopWhileScrolling = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      if (target.scrollWidth > target.clientWidth) target.setAttribute('tabindex', '0')
      else target.removeAttribute('tabindex')
    }
  })
  for (const region of document.querySelectorAll('.lt-table-scroll')) tabStopWhileScrolling.observe(region)
}
