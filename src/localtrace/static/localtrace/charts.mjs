// Draw each chart's Vega-Lite spec. The CSP forbids eval and inline styles, so Vega runs its
// expression interpreter (ast) and draws on a canvas; the data table beside it stays the
// accessible version of the figures. No tooltips: Vega's tooltip handler injects a <style> element.
for (const element of document.querySelectorAll('[data-chart-spec]')) {
  const source = document.getElementById(element.dataset.chartSpec)
  if (!source || !window.vegaEmbed) continue
  const spec = JSON.parse(source.textContent)
  // No tooltip handler: it injects a <style> the CSP blocks, and the table carries the figures. (Transmission chains, issue 7.)
  element.hidden = false // hidden in the page, so that without JavaScript no empty image is announced
  window.vegaEmbed(element, spec, { ast: true, renderer: 'canvas', actions: false, defaultStyle: false, tooltip: false })
    .catch((error) => { element.hidden = true; console.warn('Chart not drawn:', error.message) })
}
