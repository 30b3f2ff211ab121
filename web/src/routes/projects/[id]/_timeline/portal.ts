/**
 * An attachment that moves an element to the end of <body>: a panel opened from inside a canvas
 * node is then not scaled, clipped or hidden with the node.
 */
export function portal(node: HTMLElement): () => void {
  document.body.appendChild(node);
  return () => node.remove();
}
