// Probe (not a benchmark): the least a pan step of canvas.bench.ts can measure, on a page that only
// moves one layer of N plain boxes. From the pointermove to the second requestAnimationFrame after
// it, Chromium's 60 Hz frames and the rAF-aligned input hold any page at about 44 ms.
// node --import tsx web/bench/pan-floor-probe.ts   (env N: boxes; WC: the layer's will-change; SCALE; INNER: each box's HTML)
import { launchChromium } from '../e2e/browser.ts';

type ProbeWindow = Window & { __input: number };
interface TraceEvent {
  name: string;
  dur?: number;
}

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
const n = Number(process.env.N ?? 1000);
const wc = process.env.WC ?? 'auto';
const scale = process.env.SCALE ?? '0.055';
const boxes = Array.from(
  { length: n },
  (_, i) =>
    `<div style="position:absolute;width:280px;height:300px;background:#468;transform:translate(${(i % 32) * 320}px,${Math.floor(i / 32) * 420}px)">${process.env.INNER ?? ''}</div>`,
).join('');
await page.setContent(`<div id=p style="position:fixed;inset:0;background:#222;overflow:hidden"><div id=v style="position:absolute;left:0;top:0;transform-origin:0 0;will-change:${wc};transform:translate(0px,0px) scale(${scale})">${boxes}</div></div><script>
  const p = document.getElementById('p'), v = document.getElementById('v');
  p.addEventListener('pointermove', (e) => { v.style.transform = 'translate(' + (e.clientX + 0.37) + 'px,' + (e.clientY + 0.61) + 'px) scale(${scale})'; });
</script>`);
const x = 400;
const y = 400;
await page.mouse.move(x, y);
await page.mouse.down();
const step = async (i: number) => {
  await page.evaluate(() => {
    window.addEventListener('pointermove', (e) => ((window as unknown as ProbeWindow).__input = e.timeStamp), { once: true, capture: true });
  });
  await page.mouse.move(x + i * 6, y + i * 3);
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - (window as unknown as ProbeWindow).__input))),
      ),
  );
};
for (let i = 1; i <= 5; i++) await step(i);
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
const samples: number[] = [];
for (let i = 6; i <= 25; i++) samples.push(await step(i));
const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
await page.mouse.up();
const count = (name: string) => events.filter((e) => e.name === name).length / samples.length;
const ms = (name: string) => (events.filter((e) => e.name === name).reduce((a, e) => a + (e.dur ?? 0), 0) / samples.length / 1000).toFixed(2);
console.log(
  `N=${n} will-change=${wc} scale=${scale}: median ${samples.sort((a, b) => a - b)[samples.length >> 1]!.toFixed(1)} ms;`,
  `Paint ${count('Paint')}/step ${ms('Paint')} ms; Layerize ${count('Layerize')}/step ${ms('Layerize')} ms`,
);
await browser.close();
