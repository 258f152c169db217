// Draw a transmission chain with Cytoscape. The page's list says the same in words and is the
// whole page without JavaScript; the drawing is an enhancement. The CSP forbids inline styles, so
// the nodes and edges are styled through Cytoscape's stylesheet API, and the drawing area's size is
// set through the DOM (CSSOM), not a style attribute.
// Cytoscape adds a <style> to the page for its container unless an element with this id exists; the CSP
// would block that (and report it), so stand one in first and position the container ourselves.
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet'
if (!document.getElementById(CYTOSCAPE_STYLESHEET_ID)) {
  const placeholder = document.createElement('meta')
  placeholder.id = CYTOSCAPE_STYLESHEET_ID
  document.head.append(placeholder)
}

const SPACING = { across: 120, down: 110, wrapped: 80 }

// One band per generation, first at the top. A generation wider than the drawing wraps onto several
// lines rather than shrinking every circle to a dot; within a generation, cases sit in the order of
// the case that infected them, so arrows cross less.
export function layoutByGeneration (nodes, edges, width) {
  const perLine = Math.max(3, Math.floor((width - 60) / SPACING.across))
  const parentOf = new Map()
  for (const edge of edges) if (!parentOf.has(edge.target)) parentOf.set(edge.target, edge.source)
  const generations = new Map()
  for (const node of nodes) generations.set(node.generation, [...(generations.get(node.generation) || []), node.id])
  const positions = {}
  let y = 0
  for (const generation of [...generations.keys()].sort((a, b) => a - b)) {
    const ids = generations.get(generation)
    const x = (id) => (positions[parentOf.get(id)] || { x: 0 }).x
    ids.sort((a, b) => x(a) - x(b))
    for (let start = 0; start < ids.length; start += perLine) {
      const line = ids.slice(start, start + perLine)
      line.forEach((id, i) => { positions[id] = { x: (i - (line.length - 1) / 2) * SPACING.across, y } })
      y += start + perLine < ids.length ? SPACING.wrapped : SPACING.down
    }
  }
  return { positions, height: y }
}

const COLOURS = { text: '#0b0c0c', node: '#1d70b8', top: '#0b0c0c', named: '#0b0c0c', possible: '#505a5f', focus: '#ffdd00' }

for (const wrapper of document.querySelectorAll('[data-chain-graph]')) {
  const source = document.getElementById(wrapper.dataset.chainGraph)
  const drawing = wrapper.querySelector('.lt-chain-graph__drawing')
  if (!source || !drawing || !window.cytoscape) continue
  const data = JSON.parse(source.textContent)
  wrapper.hidden = false
  const layout = layoutByGeneration(data.nodes, data.edges, drawing.clientWidth || 960)
  drawing.style.height = `${Math.min(1200, Math.max(320, layout.height + 60))}px`
  drawing.style.border = '1px solid #b1b4b6'
  drawing.style.position = 'relative'
  const graph = window.cytoscape({
    container: drawing,
    elements: [
      ...data.nodes.map((node) => ({ group: 'nodes', data: node, classes: node.top ? 'top' : '' })),
      ...data.edges.map((edge) => ({ group: 'edges', data: edge, classes: edge.kind }))
    ],
    // Generations as rows, first at the top, so the drawing reads like the list below it.
    layout: { name: 'preset', positions: layout.positions, fit: true, padding: 30 },
    minZoom: 0.2,
    maxZoom: 1.5,
    wheelSensitivity: 0.3,
    style: [
      {
        selector: 'node',
        style: {
          label: 'data(label)',
          'background-color': COLOURS.node,
          color: COLOURS.text,
          'font-family': 'arial, sans-serif',
          'font-size': 14,
          'text-valign': 'bottom',
          'text-margin-y': 4,
          'text-background-color': '#ffffff',
          'text-background-opacity': 1,
          'text-background-padding': 2,
          width: 26,
          height: 26
        }
      },
      { selector: 'node.top', style: { 'background-color': COLOURS.top, shape: 'round-rectangle' } },
      {
        selector: 'edge',
        style: {
          width: 2.5,
          'curve-style': 'bezier',
          'target-arrow-shape': 'triangle',
          'line-color': COLOURS.named,
          'target-arrow-color': COLOURS.named
        }
      },
      {
        // Possible links at a shared place can be many (a school links dozens of cases): thin and grey, so the
        // named contacts stand out, still well above the contrast a graphic needs.
        selector: 'edge.possible',
        style: {
          width: 1,
          'arrow-scale': 0.8,
          'line-style': 'dashed',
          'line-dash-pattern': [6, 4],
          'line-color': COLOURS.possible,
          'target-arrow-color': COLOURS.possible
        }
      },
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': COLOURS.focus } }
    ]
  })
  graph.on('tap', 'node', (event) => { window.location.assign(event.target.data('url')) })
}
