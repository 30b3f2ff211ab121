import type { Page } from 'playwright-core';

/** Drags with the mouse from the centre of one element to the centre of another (does not release). */
export async function dragBetween(page: Page, from: string, to: string) {
  const a = (await page.locator(from).boundingBox())!;
  const b = (await page.locator(to).boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
}

/** Connects an output socket of one node to an input socket of another. */
export async function connect(page: Page, fromNode: string, output: string, toNode: string, input: string) {
  await dragBetween(page, `${fromNode} .svelte-flow__handle[data-handleid="${output}"]`, `${toNode} .svelte-flow__handle[data-handleid="${input}"]`);
  await page.mouse.up();
}

/** Moves a node by its header. */
export async function moveNode(page: Page, node: string, dx: number, dy: number) {
  const box = (await page.locator(`${node} header`).first().boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 20 + dx, box.y + box.height / 2 + dy, { steps: 8 });
  await page.mouse.up();
}
