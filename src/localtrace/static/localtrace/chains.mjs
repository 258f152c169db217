// Draw a transmission chain with Cytoscape. The page's list says the same in words and is the
// whole page without JavaScript; the drawing is an enhancement. The CSP forbids inline styles, so
// the nodes and edges are styled through Cytoscape's stylesheet API, and the drawing area's size is
// set through the DOM (CSSOM), not a style attribute.
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
  const graph = window.cytoscape({
    container: drawing,
    elements: [
      ...data.nodes.map((node) => ({ group: 'nodes', data: node, classes: node.top ? 'top' : '' })),
      ...data.edges.map((edge) => ({ group: 'edges', data: edge, classes: edge.kind }))
    ],
    layout: {
      name: 'breadthfirst',
      directed: true,
      roots: data.nodes.filter((node) => node.top).map((node) => `#${node.id}`),
      spacingFactor: 1.1,
      padding: 20
    },
    minZoom: 0.2,
    maxZoom: 3,
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
