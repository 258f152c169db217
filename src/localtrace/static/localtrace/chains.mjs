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

const SPACING = { across: 120, down: 110 }

function rowsByGeneration (nodes) {
  const rows = new Map()
  for (const node of nodes) rows.set(node.generation, [...(rows.get(node.generation) || []), node.id])
  const positions = {}
  for (const [generation, ids] of rows) {
    ids.forEach((id, i) => { positions[id] = { x: (i - (ids.length - 1) / 2) * SPACING.across, y: generation * SPACING.down } })
  }
  return positions
}

const COLOURS = { text: '#0b0c0c', node: '#1d70b8', top: '#0b0c0c', named: '#0b0c0c', possible: '#d4351c', focus: '#ffdd00' }

for (const wrapper of document.querySelectorAll('[data-chain-graph]')) {
  const source = document.getElementById(wrapper.dataset.chainGraph)
  const drawing = wrapper.querySelector('.lt-chain-graph__drawing')
  if (!source || !drawing || !window.cytoscape) continue
  const data = JSON.parse(source.textContent)
  const generations = Math.max(1, ...data.nodes.map((node) => node.generation))
  wrapper.hidden = false
  drawing.style.height = `${Math.min(720, Math.max(320, generations * 110))}px`
  drawing.style.border = '1px solid #b1b4b6'
  drawing.style.position = 'relative'
  const graph = window.cytoscape({
    container: drawing,
    elements: [
      ...data.nodes.map((node) => ({ group: 'nodes', data: node, classes: node.top ? 'top' : '' })),
      ...data.edges.map((edge) => ({ group: 'edges', data: edge, classes: edge.kind }))
    ],
    // Generations as rows, first at the top, so the drawing reads like the list below it.
    layout: { name: 'preset', positions: rowsByGeneration(data.nodes), fit: true, padding: 30 },
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
          width: 2,
          'curve-style': 'bezier',
          'target-arrow-shape': 'triangle',
          'line-color': COLOURS.named,
          'target-arrow-color': COLOURS.named
        }
      },
      {
        selector: 'edge.possible',
        style: { 'line-style': 'dashed', 'line-color': COLOURS.possible, 'target-arrow-color': COLOURS.possible }
      },
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': COLOURS.focus } }
    ]
  })
  graph.on('tap', 'node', (event) => { window.location.assign(event.target.data('url')) })
}
