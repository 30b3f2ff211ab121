import { describe, expect, it } from 'vitest';
import { feedingSocket, PipelineManifest, shotSocketProblems } from './pipeline-manifest.ts';

const manifest = (taskType: string, inputs: unknown[]) => ({
  id: 'under-test',
  title: 'Under test',
  description: '',
  taskType,
  inputs,
  outputs: [{ name: 'output', type: 'Image', extension: 'png' }],
  image: 'studio/under-test:latest',
  command: ['python3', '/pipeline/entrypoint.py', '/job'],
  backends: ['docker'],
  gpu: { required: false },
});

describe('pipeline inputs fed from Shot sockets', () => {
  it('reads the feeding socket from `socket`, else the input name', () => {
    const parsed = PipelineManifest.parse(
      manifest('face-swap', [
        { name: 'image', label: 'Target image', type: 'Image', socket: 'target' },
        { name: 'face', label: 'Source face', type: 'Image', socket: 'image' },
      ]),
    );
    expect(parsed.inputs.map(feedingSocket)).toEqual(['target', 'image']);
    expect(feedingSocket({ name: 'audio' })).toBe('audio');
  });

  it('refuses an input no Shot socket feeds, naming it and the socket', () => {
    const result = PipelineManifest.safeParse(manifest('image-to-video', [{ name: 'portrait', type: 'Image' }]));
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe("input portrait: the Shot has no socket 'portrait' (name one of its sockets in `socket`)");
  });

  it('refuses a socket of the wrong type and two inputs on one socket', () => {
    expect(shotSocketProblems({ taskType: 'talking-head', inputs: [{ name: 'speech', type: 'Audio', required: true, socket: 'reference' }] })).toEqual([
      "input speech: the Shot's reference socket does not fit it (Image cannot connect to Audio)",
    ]);
    expect(
      shotSocketProblems({
        taskType: 'face-swap',
        inputs: [
          { name: 'image', type: 'Image', required: true },
          { name: 'face', type: 'Image', required: true, socket: 'image' },
        ],
      }),
    ).toEqual(["inputs image and face are both fed by the Shot's image socket"]);
  });

  it("leaves LoRA inputs (fed from the Character or Style asset) and other nodes' pipelines alone", () => {
    expect(shotSocketProblems({ taskType: 'generate-image', inputs: [{ name: 'lora', type: 'AssetReference', required: false }] })).toEqual([]);
    expect(shotSocketProblems({ taskType: 'super-resolution', inputs: [{ name: 'input', type: ['Image', 'Video'], required: true }] })).toEqual([]);
    // A ControlMap input is fed by the Shot's Motion socket.
    expect(shotSocketProblems({ taskType: 'motion-transfer', inputs: [{ name: 'motion', type: 'ControlMap', required: false }] })).toEqual([]);
  });
});

describe('processPreload (spare interpreters)', () => {
  const preloading = (processCommand: string[], processPreload: string[] = ['numpy', 'torch']) =>
    PipelineManifest.safeParse({ ...manifest('generate-image', []), backends: ['process'], processCommand, processPreload });

  it('takes module names for a `python3 script.py` command', () => {
    expect(preloading(['/usr/bin/python3', 'entrypoint.py']).success).toBe(true);
  });

  it('refuses another command shape, a shell, and what is not a module name', () => {
    for (const command of [['python3', '-u', 'entrypoint.py'], ['sh', 'run.sh'], ['python3']]) {
      const result = preloading(command);
      expect(result.success, command.join(' ')).toBe(false);
      expect(result.error!.issues[0]!.message).toBe('processPreload needs a processCommand of exactly [python3, script.py]');
    }
    expect(preloading(['python3', 'entrypoint.py'], ['torch; import os']).success).toBe(false);
  });
});
