// scripts/check-pipeline-pins: checks every pipeline Dockerfile's upstream pin against its remote.
// Exit 0: all reachable from a branch or tag; 1: a pin is malformed or not reachable; 3: a remote
// could not be reached (no network here: run it where the images are built).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPin, PinSyntaxError, readPins, type Pin } from './pipeline-pins.ts';

const pipelinesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'pipelines');

async function main(only: string[]): Promise<number> {
  let pins: Pin[];
  try {
    pins = readPins(pipelinesDir).filter((p) => !only.length || only.includes(p.pipeline));
  } catch (error) {
    if (error instanceof PinSyntaxError) {
      console.error(`check-pipeline-pins: ${error.message}`);
      return 1;
    }
    throw error;
  }
  let bad = 0;
  let unreachable = 0;
  for (const pin of pins) {
    const verdict = await checkPin(pin);
    const name = `${pin.pipeline} ${pin.arg}=${pin.ref}`;
    if (verdict.ok) console.log(`ok    ${name} (${verdict.refs.slice(0, 3).join(', ')}${verdict.refs.length > 3 ? ', …' : ''})`);
    else if (verdict.reason === 'unreachable-remote') {
      unreachable++;
      console.log(`skip  ${name}: ${verdict.message}`);
    } else {
      bad++;
      console.log(`FAIL  ${name}: ${verdict.message}`);
    }
  }
  if (bad) {
    console.error(`check-pipeline-pins: ${bad} of ${pins.length} pins cannot be built`);
    return 1;
  }
  if (unreachable) {
    console.error(
      `check-pipeline-pins: ${unreachable} of ${pins.length} remotes could not be reached, so those pins are unchecked. ` +
        'This needs network access to the upstream git hosts: run it where the pipeline images are built.',
    );
    return 3;
  }
  console.log(`check-pipeline-pins: all ${pins.length} pins are reachable from a branch or tag`);
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
