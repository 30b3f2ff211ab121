// Probe (not a benchmark): what one pan step costs on each canvas page, from a Chromium trace.
// node --import tsx web/bench/pan-probe.ts   (env PROBE_CSS: extra CSS injected into every page;
// PROBE_PAGES: comma list of page names; PROBE_ZOOMS: fitted,1)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { spawnEngine } from '@studio/engine/testing';
import { launchChromium } from '../e2e/browser.ts';
import { BARE_FLOW_PATH, buildBareFlow, serveBareFlow } from './bare-flow/build-bare-flow.ts';
import { bigGraph, emptySpot, N, zoomTo } from './canvas.bench.ts';

interface Ev {
  name: string;
  ph: string;
  dur?: number;
  tid: number;
  pid: number;
  args?: { data?: Record<string, unknown> } & Record<string, unknown>;
}

async function probe(page: Page, direction: 1 | -1, label: string) {
  const browser = page.context().browser()!;
  const { x, y } = await emptySpot(page);
  await page.mouse.move(x, y);
  await page.mouse.down();
  // Five steps to start the move (movestart, layers), then the traced ones.
  const samples: number[] = [];
  const step = async (i: number) => {
    await page.evaluate(() => {
      const w = window as unknown as { __input: number };
      window.addEventListener('pointermove', (e) => (w.__input = e.timeStamp), { once: true, capture: true });
    });
    await page.mouse.move(x + direction * i * 6, y + direction * i * 3);
    return page.evaluate(
      () =>
        new Promise<number>((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - (window as unknown as { __input: number }).__input))),
        ),
    );
  };
  for (let i = 1; i <= 5; i++) await step(i);
  console.log('viewport will-change during pan:', await page.evaluate(() => getComputedStyle(document.querySelector('.svelte-flow__viewport')!).willChange));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('DOM.getDocument', { depth: -1 });
  const layerNames = new Map<string, string>();
  const painted = new Map<string, { count: number; px: number }>();
  let layerTreeChanges = 0;
  cdp.on('LayerTree.layerTreeDidChange', (e: { layers?: Array<{ layerId: string; backendNodeId?: number; width: number; height: number }> }) => {
    layerTreeChanges++;
    for (const l of e.layers ?? [])
      if (!layerNames.has(l.layerId)) layerNames.set(l.layerId, `${l.backendNodeId ?? '-'} ${Math.round(l.width)}x${Math.round(l.height)}`);
  });
  cdp.on('LayerTree.layerPainted', (e: { layerId: string; clip: { width: number; height: number } }) => {
    const p = painted.get(e.layerId) ?? { count: 0, px: 0 };
    p.count++;
    p.px += e.clip.width * e.clip.height;
    painted.set(e.layerId, p);
  });
  if (process.env.PROBE_LAYERS) await cdp.send('LayerTree.enable');
  await page.waitForTimeout(200);
  painted.clear();
  layerTreeChanges = 0;
  const before = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  await browser.startTracing(page, {
    categories: [
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'disabled-by-default-devtools.timeline.frame',
      'disabled-by-default-devtools.timeline.invalidationTracking',
      'blink',
      'cc',
      'viz',
    ],
  });
  await page.evaluate(() => {
    const w = window as unknown as { __mut: Record<string, number>; __obs: MutationObserver };
    w.__mut = {};
    w.__obs = new MutationObserver((list) => {
      for (const m of list) {
        const t = m.target as Element;
        const name =
          t.nodeType === 1
            ? `${t.tagName.toLowerCase()}.${(t.getAttribute('class') ?? '').split(' ').slice(0, 2).join('.')}`
            : `#text in ${(t.parentElement?.getAttribute('class') ?? '').slice(0, 40)}`;
        const key = `${m.type} ${name} ${m.attributeName ?? ''} +${m.addedNodes.length}-${m.removedNodes.length}`;
        w.__mut[key] = (w.__mut[key] ?? 0) + 1;
      }
    });
    w.__obs.observe(document.body, { attributes: true, childList: true, characterData: true, subtree: true });
  });
  const STEPS = 20;
  for (let i = 6; i < 6 + STEPS; i++) samples.push(await step(i));
  const buf = await browser.stopTracing();
  const mutations = await page.evaluate(() => {
    const w = window as unknown as { __mut: Record<string, number>; __obs: MutationObserver };
    w.__obs.disconnect();
    return w.__mut;
  });
  const after = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  await page.mouse.up();
  const describe = async (backend: string) => {
    if (backend === '-') return '(no node)';
    try {
      const { node } = await cdp.send('DOM.describeNode', { backendNodeId: Number(backend) });
      const cls = (node.attributes ?? []).reduce<string>((acc, v, i, a) => (a[i - 1] === 'class' ? v : acc), '');
      return `${node.nodeName} .${cls.slice(0, 60)}`;
    } catch {
      return `backend ${backend}`;
    }
  };
  console.log(` layer tree changes per step ${(layerTreeChanges / STEPS).toFixed(2)}; layers ${layerNames.size}; layers painted:`);
  for (const [id, p] of [...painted.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 10)) {
    const [backend, size] = (layerNames.get(id) ?? '- ?').split(' ');
    console.log(`   x${(p.count / STEPS).toFixed(2)} ${Math.round(p.px / p.count)} px  ${size} ${await describe(backend!)}`);
  }
  await cdp.send('LayerTree.disable');
  const events = (JSON.parse(buf.toString()) as { traceEvents: Ev[] }).traceEvents;
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, String((e.args as { name?: string })?.name));
  const totals = new Map<string, { count: number; dur: number }>();
  const paints = new Map<string, { count: number; area: number }>();
  const invalidations = new Map<string, number>();
  for (const e of events) {
    const thread = threadNames.get(`${e.pid}:${e.tid}`) ?? '?';
    if (e.ph === 'X' || e.ph === 'B') {
      const key = `${thread.replace(/\d+/g, '#')} ${e.name}`;
      const t = totals.get(key) ?? { count: 0, dur: 0 };
      t.count++;
      t.dur += (e.dur ?? 0) / 1000;
      totals.set(key, t);
    }
    if (e.name === 'Paint' && e.args?.data) {
      const d = e.args.data as { clip?: number[]; nodeName?: string; layerId?: number; nodeId?: number };
      const c = d.clip ?? [];
      const w = c.length === 8 ? Math.abs(c[2]! - c[0]!) : 0;
      const h = c.length === 8 ? Math.abs(c[5]! - c[1]!) : 0;
      const key = `${d.nodeName ?? '?'} layer ${d.layerId ?? '?'} ${Math.round(w)}x${Math.round(h)}`;
      const p = paints.get(key) ?? { count: 0, area: 0 };
      p.count++;
      paints.set(key, p);
    }
    if (e.name.includes('Invalidation') && e.args?.data) {
      const d = e.args.data as { nodeName?: string; reason?: string; changedAttribute?: string };
      const key = `${e.name} ${d.nodeName ?? ''} ${d.reason ?? ''} ${d.changedAttribute ?? ''}`;
      invalidations.set(key, (invalidations.get(key) ?? 0) + 1);
    }
  }
  const sorted = samples.slice().sort((a, b) => a - b);
  console.log(`\n=== ${label}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms (${samples.map((s) => s.toFixed(0)).join(' ')})`);
  const per = (k: string) => ((after[k]! - before[k]!) / STEPS).toFixed(2);
  console.log(
    `per step: layouts ${per('LayoutCount')} recalcs ${per('RecalcStyleCount')} layoutDur ${(Number(per('LayoutDuration')) * 1000).toFixed(2)}ms recalcDur ${(Number(per('RecalcStyleDuration')) * 1000).toFixed(2)}ms script ${(Number(per('ScriptDuration')) * 1000).toFixed(2)}ms task ${(Number(per('TaskDuration')) * 1000).toFixed(2)}ms`,
  );
  const top = [...totals.entries()]
    .filter(([, t]) => t.dur / STEPS > 0.3)
    .sort((a, b) => b[1].dur - a[1].dur)
    .slice(0, 28);
  for (const [k, t] of top) console.log(`  ${(t.dur / STEPS).toFixed(2).padStart(7)} ms/step  x${(t.count / STEPS).toFixed(1).padStart(5)}  ${k}`);
  console.log(' paints:');
  for (const [k, p] of [...paints.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 12)) console.log(`   x${(p.count / STEPS).toFixed(2)} ${k}`);
  console.log(' mutations:');
  for (const [k, n] of Object.entries(mutations)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15))
    console.log(`   x${(n / STEPS).toFixed(2)} ${k}`);
  console.log(' invalidations:');
  for (const [k, n] of [...invalidations.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`   x${(n / STEPS).toFixed(2)} ${k}`);
}

const home = await mkdtemp(join(tmpdir(), 'studio-pan-probe-'));
const bareFlow = join(home, 'bare-flow-build');
await buildBareFlow(bareFlow);
const engine = await spawnEngine({ env: { STUDIO_HOME: home } });
const browser = await launchChromium();
try {
  const { id } = (await (
    await fetch(`${engine.baseUrl}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Thousand nodes"}' })
  ).json()) as { id: string };
  await fetch(`${engine.baseUrl}/api/v1/projects/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph: bigGraph(), version: 1 }),
  });
  const pages: Record<string, string> = {
    bare: `${engine.baseUrl}${BARE_FLOW_PATH}?project=${id}`,
    bare_visible: `${engine.baseUrl}${BARE_FLOW_PATH}?project=${id}&visible=1`,
    studio: `${engine.baseUrl}/projects/${id}`,
  };
  const wanted = (process.env.PROBE_PAGES ?? 'bare,bare_visible,studio').split(',');
  const zooms = (process.env.PROBE_ZOOMS ?? 'fitted,1').split(',');
  for (const name of wanted) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await serveBareFlow(page, bareFlow);
    await page.goto(pages[name]!);
    await page.waitForFunction((n) => document.querySelectorAll('.svelte-flow__node').length >= n, N, { timeout: 60_000 });
    if (process.env.PROBE_CSS) await page.addStyleTag({ content: process.env.PROBE_CSS });
    await page.waitForTimeout(500);
    if (process.env.PROBE_JS) await page.evaluate(process.env.PROBE_JS);
    if (process.env.PROBE_DUMP)
      console.log(
        await page.evaluate((sel) => {
          const el = document.querySelector(sel)!;
          const cs = getComputedStyle(el);
          return `${el.outerHTML.slice(0, 1500)}\n position ${cs.position} z ${cs.zIndex} overflow ${cs.overflow} transform ${cs.transform} contain ${cs.contain} isolation ${cs.isolation}`;
        }, process.env.PROBE_DUMP),
      );
    if (zooms.includes('fitted')) await probe(page, 1, `${name} fitted`);
    if (zooms.includes('1')) {
      await zoomTo(page, 1);
      await page.waitForTimeout(400);
      await probe(page, -1, `${name} zoom 1`);
      if (process.env.PROBE_SHOT) await page.screenshot({ path: `/tmp/h18-${name}-zoom1.png` });
    }
    await page.close();
  }
} finally {
  await browser.close();
  await engine.stop();
  await rm(home, { recursive: true, force: true });
}
